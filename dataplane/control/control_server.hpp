// The data plane end of the control channel (docs/control-channel.md): owns the shared region
// (a memfd), listens on the unix socket, performs the handshake and passes the memfd to one
// control plane at a time. Runs on the main lcore; never touches packets.
#pragma once

#include "common/log.hpp"
#include "common/shm/channel_layout.hpp"

#include <cstdint>
#include <string>

namespace tern::dp {

class ControlServer {
public:
    /// Creates and maps the region and binds the socket; throws std::runtime_error on failure.
    ControlServer(std::string socket_path, uint32_t n_workers, uint32_t n_ports, uint64_t tsc_hz);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    [[nodiscard]] const shm::Region& region() const noexcept { return region_; }

    /// Waits up to timeout_ms for socket activity and handles it.
    void poll_once(int timeout_ms);

    [[nodiscard]] bool peer_connected() const noexcept { return peer_fd_ >= 0; }

private:
    void accept_peer();
    void drop_peer(const char* why);

    std::string path_;
    int listen_fd_ = -1;  // owned
    int peer_fd_ = -1;    // owned; the connected control plane
    int memfd_ = -1;      // owned
    void* base_ = nullptr;
    uint64_t size_ = 0;
    shm::Region region_;
    Logger log_{"dataplane.control"};
};

}  // namespace tern::dp
