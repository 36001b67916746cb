#include "signaling/limits/address_key.hpp"

#include "common/wire/addr.hpp"

#include <cstring>

namespace tern::sig {

AddressKey address_key(std::string_view address) {
    AddressKey k{};
    if (auto v4 = wire::Ipv4Addr::parse(address)) {
        k[10] = 0xff;
        k[11] = 0xff;
        k[12] = static_cast<uint8_t>(v4->v >> 24);
        k[13] = static_cast<uint8_t>(v4->v >> 16);
        k[14] = static_cast<uint8_t>(v4->v >> 8);
        k[15] = static_cast<uint8_t>(v4->v);
    } else if (auto v6 = wire::Ipv6Addr::parse(address)) {
        std::memcpy(k.data(), v6->b.data(), 8);  // the /64
    } else {
        k.fill(0xff);
    }
    return k;
}

std::size_t AddressKeyHash::operator()(const AddressKey& k) const noexcept {
    uint64_t a = 0;
    uint64_t b = 0;
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x632be59bd9b4e019ULL + (a << 6));
    h ^= h >> 29;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ULL);
}

}  // namespace tern::sig
