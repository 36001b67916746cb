// libFuzzer target: the transport-cc feedback parser on its own. The input is the body of one
// RTPFB FMT 15 packet (after the sender SSRC), so every byte exercises chunks and deltas rather
// than the compound framing the rtcp target also walks. Checks what the parser promises: it
// stores no more than it has room for or the status count announces, a smaller span gives the
// same verdict and a prefix of the same arrivals, and consecutive arrivals differ by what one
// delta can say (a 16-bit signed number of 250 µs ticks).
#include "common/wire/rtcp.hpp"
#include "common/wire/twcc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

using namespace tern;
using namespace tern::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rtcp::Packet p;
    p.type = rtcp::kRtpfb;
    p.count = twcc::kFmt;
    p.ssrc = 1;
    p.body = as_bytes(data, size);
    p.whole = p.body;

    static std::array<int64_t, 1024> at;  // static: the fuzzer runs one input at a time
    static std::array<int64_t, 7> few;
    twcc::Feedback fb;
    std::size_t n = 0;
    Error why{};
    const bool ok = twcc::parse_feedback(p, fb, at, n, why);
    if (n > at.size() || n > fb.status_count) {
        __builtin_trap();
    }
    if (!ok && why != Error::Truncated && why != Error::Malformed) {
        __builtin_trap();
    }
    twcc::Feedback fb2;
    std::size_t n2 = 0;
    Error why2{};
    const bool ok2 = twcc::parse_feedback(p, fb2, few, n2, why2);
    if (ok2 != ok || (!ok && why2 != why) || n2 > few.size()) {
        __builtin_trap();
    }
    if (!ok) {
        return 0;
    }
    for (std::size_t i = 0; i < n2; ++i) {
        if (few[i] != at[i]) {
            __builtin_trap();
        }
    }
    int64_t last = int64_t{fb.reference_time} * twcc::kReferenceTickUs;
    for (std::size_t i = 0; i < n; ++i) {
        if (at[i] == twcc::kNotReceived) {
            continue;
        }
        const int64_t d = at[i] - last;
        if (d % twcc::kDeltaTickUs != 0 || d < INT16_MIN * twcc::kDeltaTickUs ||
            d > INT16_MAX * twcc::kDeltaTickUs) {
            __builtin_trap();
        }
        last = at[i];
    }
    return 0;
}
