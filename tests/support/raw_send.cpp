// raw_send: writes hand-made (mostly malformed) Ethernet frames to an interface through an
// AF_PACKET socket, for integration tests of the data plane's drop paths.
//
//   raw_send IFACE DST_MAC SRC_IPV4 DST_IPV4 SRC_IPV6 DST_IPV6 CASE COUNT
//
// CASE is one of the names printed by `raw_send --list`.
#include "support/packets.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <linux/if_packet.h>
#include <map>
#include <net/ethernet.h>
#include <net/if.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace tern;
using test::Bytes;

namespace {

struct Ctx {
    wire::MacAddr dst;
    wire::MacAddr src;
    wire::Ipv4Addr src4, dst4;
    wire::Ipv6Addr src6, dst6;
};

void refill_ip_checksum(Bytes& f) {
    store_u16be(f.data() + 14 + 10, 0);
    store_u16be(f.data() + 14 + 10,
                wire::checksum_finish(wire::checksum_add(ByteSpan{f}.subspan(14, 20))));
}

const std::map<std::string, std::function<Bytes(const Ctx&)>>& cases() {
    static const std::map<std::string, std::function<Bytes(const Ctx&)>> m = {
        {"eth_8023",
         [](const Ctx& c) {
             // An IEEE 802.3 frame (length field instead of an EtherType): not Ethernet II.
             // (Runts below 14 bytes cannot be sent, and af_packet strips VLAN tags.)
             Bytes f =
                 test::udp4_frame(c.dst, c.src, c.src4, c.dst4, 1, 3478, test::bytes_of("llc"));
             store_u16be(f.data() + 12, static_cast<uint16_t>(f.size() - 14));
             return f;
         }},
        {"ipv4_truncated",
         [](const Ctx& c) {
             Bytes f = test::udp4_frame(c.dst, c.src, c.src4, c.dst4, 1, 3478, test::bytes_of("x"));
             f.resize(14 + 12);
             return f;
         }},
        {"ipv4_bad_checksum",
         [](const Ctx& c) {
             Bytes f = test::icmp4_echo_frame(c.dst, c.src, c.src4, c.dst4, 1, 1, 16);
             f[14 + 10] ^= std::byte{0x5a};
             return f;
         }},
        {"ipv4_fragment",
         [](const Ctx& c) {
             Bytes f =
                 test::udp4_frame(c.dst, c.src, c.src4, c.dst4, 1, 3478, test::bytes_of("frag"));
             store_u16be(f.data() + 14 + 6, 0x2000);  // MF
             refill_ip_checksum(f);
             return f;
         }},
        {"ipv6_fragment",
         [](const Ctx& c) {
             Bytes f =
                 test::udp6_frame(c.dst, c.src, c.src6, c.dst6, 1, 3478, test::bytes_of("frag6"));
             // Insert a fragment header (offset 8, M=0) in front of UDP.
             const Bytes frag = test::hex("11000008 00000001");
             f.insert(f.begin() + 14 + 40, frag.begin(), frag.end());
             f[14 + 6] = std::byte{44};
             store_u16be(f.data() + 14 + 4, static_cast<uint16_t>(f.size() - 54));
             return f;
         }},
        {"ipv6_truncated",
         [](const Ctx& c) {
             Bytes f = test::udp6_frame(c.dst, c.src, c.src6, c.dst6, 1, 3478, test::bytes_of("x"));
             f.resize(14 + 30);
             return f;
         }},
        // To 5060: a port whose checksum tern verifies (TURN traffic on 3478 and the relay ports is
        // relayed with its checksum carried through instead, see PacketPath::deliver).
        {"udp_bad_checksum",
         [](const Ctx& c) {
             Bytes f =
                 test::udp4_frame(c.dst, c.src, c.src4, c.dst4, 1, 5060, test::bytes_of("abcd"));
             f.back() ^= std::byte{1};
             return f;
         }},
        {"udp_bad_length",
         [](const Ctx& c) {
             Bytes f =
                 test::udp4_frame(c.dst, c.src, c.src4, c.dst4, 1, 5060, test::bytes_of("abcd"));
             store_u16be(f.data() + 14 + 20 + 4, 4);
             return f;
         }},
        {"stun_garbage",
         [](const Ctx& c) {
             return test::udp4_frame(
                 c.dst, c.src, c.src4, c.dst4, 1, 3478,
                 test::hex("00010010 2112a442 000102030405060708090a0b 8022ffff"));
         }},
        {"icmp_bad_checksum",
         [](const Ctx& c) {
             Bytes f = test::icmp4_echo_frame(c.dst, c.src, c.src4, c.dst4, 1, 1, 16);
             f.back() ^= std::byte{1};
             return f;
         }},
    };
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto& [name, _] : cases()) {
            std::puts(name.c_str());
        }
        return 0;
    }
    if (argc != 9) {
        std::fputs("usage: raw_send IFACE DST_MAC SRC_IPV4 DST_IPV4 SRC_IPV6 DST_IPV6 CASE COUNT\n",
                   stderr);
        return 2;
    }
    const std::string iface = argv[1];
    Ctx c;
    auto dst = wire::MacAddr::parse(argv[2]);
    auto s4 = wire::Ipv4Addr::parse(argv[3]);
    auto d4 = wire::Ipv4Addr::parse(argv[4]);
    auto s6 = wire::Ipv6Addr::parse(argv[5]);
    auto d6 = wire::Ipv6Addr::parse(argv[6]);
    auto it = cases().find(argv[7]);
    const long count = std::strtol(argv[8], nullptr, 10);
    if (!dst || !s4 || !d4 || !s6 || !d6 || it == cases().end() || count <= 0 || count > 100000) {
        std::fputs("raw_send: bad argument (see --list for cases; count 1..100000)\n", stderr);
        return 2;
    }
    c.dst = *dst;
    c.src4 = *s4;
    c.dst4 = *d4;
    c.src6 = *s6;
    c.dst6 = *d6;
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("raw_send: socket (needs CAP_NET_RAW)");
        return 1;
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    sll.sll_halen = 6;
    if (sll.sll_ifindex == 0) {
        std::fprintf(stderr, "raw_send: no interface %s\n", iface.c_str());
        return 1;
    }
    std::memcpy(sll.sll_addr, c.dst.b.data(), 6);
    // Our source MAC: the interface's own, so replies (if any) would come back to us.
    char path[128];
    std::snprintf(path, sizeof path, "/sys/class/net/%s/address", iface.c_str());
    if (FILE* f = std::fopen(path, "r")) {
        char mac[32] = {};
        if (std::fgets(mac, sizeof mac, f) != nullptr) {
            mac[17] = '\0';
            if (auto m = wire::MacAddr::parse(mac)) {
                c.src = *m;
            }
        }
        std::fclose(f);
    }
    const Bytes frame = it->second(c);
    for (long i = 0; i < count; ++i) {
        if (sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll),
                   sizeof sll) < 0) {
            std::perror("raw_send: sendto");
            close(fd);
            return 1;
        }
    }
    close(fd);
    return 0;
}
