// libFuzzer target: the TURN stream framer fed in chunks, as the control plane's listener does.
// Invariants: progress within bounds, the message inside what was consumed, and the same
// messages whatever the chunking.
#include "common/wire/turn/stream_framer.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

std::vector<std::size_t> frame_all(tern::ByteSpan in, std::size_t chunk) {
    using namespace tern::wire::turn;
    std::vector<std::size_t> lens;
    std::vector<std::byte> buf;
    for (std::size_t at = 0; at < in.size(); at += chunk) {
        const std::size_t n = chunk < in.size() - at ? chunk : in.size() - at;
        buf.insert(buf.end(), in.begin() + static_cast<std::ptrdiff_t>(at),
                   in.begin() + static_cast<std::ptrdiff_t>(at + n));
        for (;;) {
            auto f = next_stream_frame(buf);
            if (!f) {
                lens.push_back(0);  // the stream is broken: the connection would close here
                return lens;
            }
            if (f->message_len == 0) {
                break;
            }
            if (f->consumed < f->message_len || f->consumed > buf.size() ||
                f->message_len > kMaxStreamMessage || f->consumed - f->message_len > 3) {
                __builtin_trap();
            }
            lens.push_back(f->message_len);
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(f->consumed));
        }
    }
    return lens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t chunk = 1 + data[0] % 64;
    const tern::ByteSpan in = tern::as_bytes(data + 1, size - 1);
    if (frame_all(in, chunk) != frame_all(in, in.size() + 1)) {
        __builtin_trap();  // chunking must not change the framing
    }
    return 0;
}
