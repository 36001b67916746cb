#include "dataplane/control/control_server.hpp"

#include "common/shm/messages.hpp"
#include "common/unix_socket.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <random>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace tern::dp {

namespace {

[[noreturn]] void sys_fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

/// True when something already answers on the socket path (another data plane).
bool socket_in_use(const std::string& path) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un a{};
    const bool used =
        unix_address(path, a) && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return used;
}

}  // namespace

ControlServer::ControlServer(std::string socket_path, uint32_t n_workers, uint32_t n_ports,
                             uint64_t tsc_hz)
    : path_(std::move(socket_path)) {
    const shm::RingSizes sizes;
    const shm::Layout layout = shm::compute_layout(n_workers, n_ports, sizes);
    memfd_ = memfd_create("tern-control", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd_ < 0) {
        sys_fail("memfd_create");
    }
    if (ftruncate(memfd_, static_cast<off_t>(layout.size)) != 0) {
        sys_fail("ftruncate control region");
    }
    (void)fcntl(memfd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    base_ = mmap(nullptr, layout.size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_, 0);
    if (base_ == MAP_FAILED) {
        base_ = nullptr;
        sys_fail("mmap control region");
    }
    size_ = layout.size;
    std::random_device rd;
    const uint64_t instance = (uint64_t{rd()} << 32) | rd();
    auto* header = shm::init_region(base_, layout, n_workers, n_ports, sizes, instance, tsc_hz);
    header->started_unix_ns =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    region_ = shm::Region{static_cast<std::byte*>(base_), header};

    const std::filesystem::path p(path_);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
    }
    sockaddr_un a{};
    if (!unix_address(path_, a)) {
        throw std::runtime_error("control socket path empty or too long: " + path_);
    }
    if (socket_in_use(path_)) {
        throw std::runtime_error(path_ + " is served by another data plane; stop it first "
                                         "(tools/tern down) or set dataplane.control_socket");
    }
    unlink(path_.c_str());  // a stale socket from a crashed run
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) {
        sys_fail("control socket");
    }
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        sys_fail("bind " + path_);
    }
    chmod(path_.c_str(), 0660);
    if (listen(listen_fd_, 4) != 0) {
        sys_fail("listen " + path_);
    }
    log_.info("control channel ready", {{"socket", path_},
                                        {"region_bytes", size_},
                                        {"workers", n_workers},
                                        {"instance", header->instance_id}});
}

ControlServer::~ControlServer() {
    if (peer_fd_ >= 0) {
        close(peer_fd_);
    }
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        unlink(path_.c_str());
    }
    if (base_ != nullptr) {
        munmap(base_, size_);
    }
    if (memfd_ >= 0) {
        close(memfd_);
    }
}

void ControlServer::drop_peer(const char* why) {
    if (peer_fd_ >= 0) {
        close(peer_fd_);
        peer_fd_ = -1;
        log_.warn("control plane detached; established flows keep forwarding", {{"why", why}});
    }
}

void ControlServer::accept_peer() {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    // The hello must arrive promptly; a silent peer is not allowed to hold the channel.
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    shm::Hello hello{};
    const ssize_t n = recv(fd, &hello, sizeof hello, MSG_WAITALL);
    shm::HelloReply reply{};
    reply.magic = shm::kChannelMagic;
    reply.schema = shm::kSchemaVersion;
    reply.n_workers = region_.header->n_workers;
    reply.region_size = size_;
    reply.instance_id = region_.header->instance_id;
    reply.dp_pid = static_cast<uint32_t>(getpid());
    if (n != static_cast<ssize_t>(sizeof hello) || hello.magic != shm::kChannelMagic) {
        log_.warn("control socket: bad hello, closing");
        close(fd);
        return;
    }
    if (hello.schema != shm::kSchemaVersion) {
        reply.status = shm::HelloStatus::SchemaMismatch;
        (void)send(fd, &reply, sizeof reply, MSG_NOSIGNAL);
        log_.warn("control plane refused: schema mismatch",
                  {{"theirs", hello.schema}, {"ours", shm::kSchemaVersion}});
        close(fd);
        return;
    }
    if (peer_fd_ >= 0) {
        reply.status = shm::HelloStatus::Busy;
        (void)send(fd, &reply, sizeof reply, MSG_NOSIGNAL);
        log_.warn("second control plane refused: channel busy", {{"pid", hello.pid}});
        close(fd);
        return;
    }
    reply.status = shm::HelloStatus::Ok;
    if (send_with_fd(fd, &reply, sizeof reply, memfd_) != static_cast<ssize_t>(sizeof reply)) {
        log_.warn("control socket: could not send the region", {{"err", std::strerror(errno)}});
        close(fd);
        return;
    }
    peer_fd_ = fd;
    log_.info("control plane attached", {{"pid", hello.pid}});
}

void ControlServer::poll_once(int timeout_ms) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {peer_fd_, POLLIN, 0}};
    const nfds_t n = peer_fd_ >= 0 ? 2 : 1;
    if (poll(fds, n, timeout_ms) <= 0) {
        return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
        accept_peer();
    }
    if (n == 2 && fds[1].revents != 0) {
        char buf[64];
        const ssize_t r = recv(peer_fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            drop_peer(r == 0 ? "socket closed" : std::strerror(errno));
        }
        // Bytes from the peer are only liveness; the rings carry all messages.
    }
}

}  // namespace tern::dp
