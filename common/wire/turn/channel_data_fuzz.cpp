// libFuzzer target: ChannelData in both framings, walking a stream of messages.
#include "common/wire/turn/channel_data.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tern::wire::turn;
    tern::ByteSpan in = tern::as_bytes(data, size);
    volatile uint64_t sink = looks_like_channel_data(in);
    if (auto v = parse_channel_data(in, Framing::Datagram)) {
        sink = sink + v->channel + v->data.size();
    }
    while (!in.empty()) {
        auto v = parse_channel_data(in, Framing::Stream);
        if (!v) {
            break;
        }
        if (v->wire_len == 0 || v->wire_len > in.size()) {
            __builtin_trap();  // a stream parser must always make progress within bounds
        }
        sink = sink + v->data.size();
        in = in.subspan(v->wire_len);
    }
    return 0;
}
