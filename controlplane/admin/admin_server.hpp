// The control plane's local admin socket, used by ternctl: one request line in, one JSON
// document out, then the connection closes. Requests are tiny and answered from memory, so
// connections are served inline by the owning loop.
#pragma once

#include "common/log.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace tern::cp {

class AdminServer {
public:
    using Handler = std::function<std::string(std::string_view request)>;

    /// Binds `path` (mode 0660); throws std::runtime_error when that fails.
    AdminServer(std::string path, Handler handler);
    ~AdminServer();
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    [[nodiscard]] int fd() const noexcept { return fd_; }
    /// Accepts and serves one pending connection.
    void serve_one();

private:
    std::string path_;
    Handler handler_;
    int fd_ = -1;  // owned
    Logger log_{"controlplane.admin"};
};

}  // namespace tern::cp
