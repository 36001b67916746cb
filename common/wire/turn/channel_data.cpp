#include "common/wire/turn/channel_data.hpp"

namespace tern::wire::turn {

Result<ChannelDataView, Error> parse_channel_data(ByteSpan msg, Framing framing) noexcept {
    ByteReader r{msg};
    ChannelDataView v;
    v.channel = r.u16be();
    const uint16_t len = r.u16be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (!valid_channel(v.channel, true)) {  // whether it may be bound is the server's call
        return unexpected(Error::Malformed);
    }
    v.data = r.bytes(len);
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    const std::size_t padded = kChannelDataHeaderLen + ((len + 3u) & ~std::size_t{3});
    if (framing == Framing::Stream) {
        if (msg.size() < padded) {
            return unexpected(Error::Truncated);
        }
        v.wire_len = padded;
    } else {
        if (msg.size() > padded) {
            return unexpected(Error::BadLength);  // trailing bytes beyond the padding
        }
        v.wire_len = msg.size();
    }
    return v;
}

void write_channel_data_header(MutableByteSpan out, uint16_t channel, uint16_t data_len) noexcept {
    if (out.size() >= kChannelDataHeaderLen) {
        store_u16be(out.data(), channel);
        store_u16be(out.data() + 2, data_len);
    }
}

}  // namespace tern::wire::turn
