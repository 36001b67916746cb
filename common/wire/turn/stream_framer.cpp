#include "common/wire/turn/stream_framer.hpp"

#include "common/wire/stun/stun_constants.hpp"

namespace tern::wire::turn {

Result<StreamFrame, Error> next_stream_frame(ByteSpan in) noexcept {
    if (in.empty()) {
        return StreamFrame{};
    }
    const uint8_t first = std::to_integer<uint8_t>(in[0]);
    if ((first & 0xc0) == 0x40) {  // ChannelData
        if (in.size() < 4) {
            return StreamFrame{};
        }
        const std::size_t len = 4 + load_u16be(in.data() + 2);
        if (len > kMaxStreamMessage) {
            return unexpected(Error::BadLength);
        }
        const std::size_t padded = (len + 3) & ~std::size_t{3};
        if (in.size() < padded) {
            return StreamFrame{};
        }
        return StreamFrame{len, padded};
    }
    if ((first & 0xc0) != 0) {
        return unexpected(Error::Malformed);  // RTP, DTLS, TLS records: not TURN
    }
    // STUN: the cookie decides as soon as it has arrived, so garbage is refused early.
    const std::size_t have_cookie = in.size() < 8 ? in.size() : 8;
    for (std::size_t i = 4; i < have_cookie; ++i) {
        const auto expect = static_cast<uint8_t>(stun::kMagicCookie >> (8 * (7 - i)));
        if (std::to_integer<uint8_t>(in[i]) != expect) {
            return unexpected(Error::BadMagic);
        }
    }
    if (in.size() < 4) {
        return StreamFrame{};
    }
    const std::size_t body = load_u16be(in.data() + 2);
    if (body % 4 != 0 || stun::kHeaderLen + body > kMaxStreamMessage) {
        return unexpected(Error::BadLength);
    }
    const std::size_t len = stun::kHeaderLen + body;
    if (in.size() < len) {
        return StreamFrame{};
    }
    return StreamFrame{len, len};
}

}  // namespace tern::wire::turn
