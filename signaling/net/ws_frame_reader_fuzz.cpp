// libFuzzer: client WebSocket frames (ws_frame_reader) from arbitrary bytes, fed whole and then
// split at a point the input chooses, must never crash, read out of bounds or loop; every event
// stays within what was given, and the two feedings agree on the events they produce.
#include "signaling/net/ws_frame_reader.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::vector<std::string> events(std::vector<uint8_t> bytes, std::size_t split) {
    tern::sig::net::ws::FrameReader r(4096);
    std::vector<std::string> out;
    std::vector<uint8_t> buf;
    std::size_t fed = 0;
    for (int round = 0; round < 2; ++round) {  // the bytes up to `split`, then the rest
        const std::size_t step = round == 0 ? split : bytes.size() - fed;
        buf.insert(buf.end(), bytes.begin() + static_cast<std::ptrdiff_t>(fed),
                   bytes.begin() + static_cast<std::ptrdiff_t>(fed + step));
        fed += step;
        for (;;) {
            const auto e = r.next(buf);
            if (e.consumed > buf.size()) {
                std::abort();
            }
            if (e.kind == tern::sig::net::ws::Event::Kind::Fail) {
                out.push_back("fail " + std::to_string(e.code));
                return out;
            }
            if (e.kind != tern::sig::net::ws::Event::Kind::NeedMore) {
                out.push_back(std::to_string(static_cast<int>(e.kind)) + std::string(e.payload));
            }
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(e.consumed));
            if (e.kind == tern::sig::net::ws::Event::Kind::NeedMore) {
                break;
            }
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t split = data[0] % size;
    std::vector<uint8_t> bytes(data + 1, data + size);
    const auto whole = events(bytes, bytes.size());
    const auto halves = events(bytes, std::min(split, bytes.size()));
    if (whole != halves) {
        std::abort();
    }
    return 0;
}
