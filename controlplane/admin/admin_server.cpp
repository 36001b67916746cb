#include "controlplane/admin/admin_server.hpp"

#include "common/unix_socket.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace tern::cp {

AdminServer::AdminServer(std::string path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)) {
    sockaddr_un a{};
    if (!unix_address(path_, a)) {
        throw std::runtime_error("admin socket path empty or too long: " + path_);
    }
    const std::filesystem::path p(path_);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
    }
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(fd_, 16) != 0) {
        throw std::runtime_error("admin socket " + path_ + ": " + std::strerror(errno));
    }
    chmod(path_.c_str(), 0660);
}

AdminServer::~AdminServer() {
    if (fd_ >= 0) {
        close(fd_);
        unlink(path_.c_str());
    }
}

void AdminServer::serve_one() {
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
        return;
    }
    timeval tv{1, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[512];
    while (req.size() < 4096 && req.find('\n') == std::string::npos) {
        const ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        req.append(buf, static_cast<std::size_t>(n));
    }
    if (auto nl = req.find('\n'); nl != std::string::npos) {
        req.resize(nl);
    }
    std::string resp;
    try {
        resp = handler_(req);
    } catch (const std::exception& e) {
        resp = "{\"error\":\"" + json_escape(e.what()) + "\"}";
    }
    resp += "\n";
    std::size_t off = 0;
    while (off < resp.size()) {
        const ssize_t n = send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        off += static_cast<std::size_t>(n);
    }
    close(c);
}

}  // namespace tern::cp
