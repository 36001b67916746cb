#include "dataplane/exception/kernel_iface.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/ipv6.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tern::dp {

namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) {
            close(fd);
        }
    }
};

[[noreturn]] void fail(const std::string& iface, const std::string& what) {
    throw std::runtime_error("exception interface " + iface + ": " + what + ": " +
                             std::strerror(errno));
}

}  // namespace

void configure_kernel_iface(const std::string& iface,
                            const std::optional<wire::Prefix<wire::Ipv4Addr>>& v4,
                            const std::optional<wire::Prefix<wire::Ipv6Addr>>& v6) {
    Fd s4{socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s4.fd < 0) {
        fail(iface, "socket");
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (ioctl(s4.fd, SIOCGIFINDEX, &ifr) != 0) {
        fail(iface, "not found");
    }
    const int index = ifr.ifr_ifindex;
    if (v6) {
        // Before the address exists, so no DAD probe is sent for it; and keep it across a link
        // flap (Linux flushes manually added IPv6 addresses on link down by default).
        const std::string conf = "/proc/sys/net/ipv6/conf/" + iface + "/";
        std::ofstream(conf + "accept_dad") << "0\n";
        std::ofstream(conf + "keep_addr_on_down") << "1\n";
    }
    if (v4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(v4->addr.v);
        if (ioctl(s4.fd, SIOCSIFADDR, &ifr) != 0 && errno != EEXIST) {
            fail(iface, "set IPv4 address");
        }
        const uint32_t mask = v4->len == 0 ? 0 : ~((uint32_t{1} << (32 - v4->len)) - 1);
        sin->sin_addr.s_addr = htonl(v4->len >= 32 ? 0xffffffffU : mask);
        if (ioctl(s4.fd, SIOCSIFNETMASK, &ifr) != 0) {
            fail(iface, "set IPv4 netmask");
        }
    }
    if (v6) {
        Fd s6{socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
        if (s6.fd < 0) {
            fail(iface, "socket6");
        }
        in6_ifreq r{};
        std::memcpy(&r.ifr6_addr, v6->addr.b.data(), 16);
        r.ifr6_prefixlen = v6->len;
        r.ifr6_ifindex = index;
        if (ioctl(s6.fd, SIOCSIFADDR, &r) != 0 && errno != EEXIST) {
            fail(iface, "set IPv6 address");
        }
    }
    if (ioctl(s4.fd, SIOCGIFFLAGS, &ifr) != 0) {
        fail(iface, "get flags");
    }
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(s4.fd, SIOCSIFFLAGS, &ifr) != 0) {
        fail(iface, "bring up");
    }
}

}  // namespace tern::dp
