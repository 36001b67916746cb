#include "controlplane/dp_client/dp_client.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tern::cp {

Result<bool, std::string> DataplaneClient::connect() {
    disconnect();
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return unexpected(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        const std::string err = std::strerror(errno);
        close(fd);
        return unexpected(path_ + ": " + err);
    }
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const shm::Hello hello{shm::kChannelMagic, shm::kSchemaVersion,
                           static_cast<uint32_t>(getpid()), 0};
    if (send(fd, &hello, sizeof hello, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof hello)) {
        close(fd);
        return unexpected(std::string("hello: ") + std::strerror(errno));
    }
    shm::HelloReply reply{};
    iovec iov{&reply, sizeof reply};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    int memfd = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            std::memcpy(&memfd, CMSG_DATA(c), sizeof(int));
        }
    }
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
    }
    return true;
}

void DataplaneClient::disconnect() noexcept {
    commands_.clear();
    events_.clear();
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
    if (worker >= commands_.size()) {
        return false;
    }
    return commands_[worker].try_push(static_cast<uint16_t>(shm::MsgType::Ping), cmd);
}

}  // namespace tern::cp
