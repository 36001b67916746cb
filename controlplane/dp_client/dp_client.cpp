#include "controlplane/dp_client/dp_client.hpp"

#include "common/unix_socket.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace tern::cp {

Result<bool, std::string> DataplaneClient::connect() {
    disconnect();
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return unexpected(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_un a{};
    if (!unix_address(path_, a)) {
        close(fd);
        return unexpected(path_ + ": socket path empty or too long");
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        const std::string err = std::strerror(errno);
        close(fd);
        return unexpected(path_ + ": " + err);
    }
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const shm::Hello hello{shm::kChannelMagic, shm::kSchemaVersion, static_cast<uint32_t>(getpid()),
                           0};
    if (send(fd, &hello, sizeof hello, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof hello)) {
        close(fd);
        return unexpected(std::string("hello: ") + std::strerror(errno));
    }
    shm::HelloReply reply{};
    int memfd = -1;
    const ssize_t n = recv_with_fd(fd, &reply, sizeof reply, memfd);
    auto fail = [&](std::string why) -> Result<bool, std::string> {
        if (memfd >= 0) {
            close(memfd);
        }
        close(fd);
        return unexpected(std::move(why));
    };
    if (n != static_cast<ssize_t>(sizeof reply) || reply.magic != shm::kChannelMagic) {
        return fail("bad handshake reply");
    }
    if (reply.status == shm::HelloStatus::SchemaMismatch || reply.schema != shm::kSchemaVersion) {
        return fail("data plane speaks schema " + std::to_string(reply.schema) + ", we speak " +
                    std::to_string(shm::kSchemaVersion) + ": rebuild both from one tree");
    }
    if (reply.status == shm::HelloStatus::Busy) {
        return fail("another control plane is attached to this data plane");
    }
    if (reply.status != shm::HelloStatus::Ok || memfd < 0) {
        return fail("handshake refused");
    }
    void* base = mmap(nullptr, reply.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    close(memfd);  // the mapping keeps the region alive
    if (base == MAP_FAILED) {
        return fail(std::string("mmap: ") + std::strerror(errno));
    }
    auto header = shm::validate_region(base, reply.region_size);
    if (!header) {
        munmap(base, reply.region_size);
        return fail("region: " + header.error());
    }
    fd_ = fd;
    base_ = base;
    size_ = reply.region_size;
    dp_pid_ = reply.dp_pid;
    region_ = shm::Region{static_cast<std::byte*>(base), *header};
    for (uint32_t w = 0; w < region_.header->n_workers; ++w) {
        commands_.emplace_back(region_.commands(w));
        events_.emplace_back(region_.events(w));
        inject_.emplace_back(region_.inject(w));
        punt_.emplace_back(region_.punt(w));
    }
    return true;
}

void DataplaneClient::disconnect() noexcept {
    commands_.clear();
    events_.clear();
    inject_.clear();
    punt_.clear();
    if (base_ != nullptr) {
        munmap(base_, size_);
        base_ = nullptr;
    }
    region_ = {};
    if (fd_ >= 0) {
        close(fd_);
        fd_ = -1;
    }
}

bool DataplaneClient::peer_gone() noexcept {
    char buf[64];
    const ssize_t r = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR);
}

bool DataplaneClient::send_ping(uint32_t worker, const shm::PingCmd& cmd) noexcept {
    return send_command(worker, cmd);
}

}  // namespace tern::cp
