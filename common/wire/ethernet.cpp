#include "common/wire/ethernet.hpp"

namespace tern::wire {

void write_ethernet(ByteWriter& w, const MacAddr& dst, const MacAddr& src,
                    uint16_t ether_type) noexcept {
    w.bytes(as_bytes(dst.b.data(), 6));
    w.bytes(as_bytes(src.b.data(), 6));
    w.u16be(ether_type);
}

}  // namespace tern::wire
