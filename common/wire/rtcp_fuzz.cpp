// libFuzzer target: RTCP compound walking and every feedback parser on each packet (transport-cc
// included); writers' output for what was parsed must parse again, transport-cc to the same
// arrivals (modulo the 24-bit reference time's period).
#include "common/wire/rtcp.hpp"
#include "common/wire/twcc.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tern;
using namespace tern::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Error why{};
    std::vector<uint16_t> nacks;
    uint32_t media = 0;
    (void)rtcp::for_each(
        as_bytes(data, size),
        [&](const rtcp::Packet& p) {
            (void)rtcp::for_each_report(p, [](const rtcp::ReportBlock&) {});
            (void)rtcp::for_each_nack(p, [&](uint32_t m, uint16_t s) {
                media = m;
                if (nacks.size() < 1000) {
                    nacks.push_back(s);
                }
            });
            (void)rtcp::for_each_keyframe_request(p, [](uint32_t) {});
            uint64_t bps = 0;
            uint32_t ssrcs[8];
            std::size_t n = 0;
            (void)rtcp::parse_remb(p, bps, ssrcs, 8, n);
            twcc::Feedback fb;
            std::vector<int64_t> at(512);
            std::size_t k = 0;
            if (twcc::parse_feedback(p, fb, at, k, why) && k > 0) {
                at.resize(k);
                bool positive = true;
                for (int64_t a : at) {
                    positive = positive && (a == twcc::kNotReceived || a >= 0);
                }
                std::vector<std::byte> out(4096);
                ByteWriter w{out};
                const std::size_t m =
                    positive ? twcc::write_feedback(w, 1, 2, fb.base_seq, at, 0) : 0;
                if (m > 0) {
                    std::vector<rtcp::Packet> again;
                    Error why2{};
                    if (!rtcp::for_each(
                            w.written(), [&](const rtcp::Packet& q) { again.push_back(q); },
                            why2) ||
                        again.size() != 1) {
                        __builtin_trap();
                    }
                    twcc::Feedback fb2;
                    std::vector<int64_t> at2(512);
                    std::size_t k2 = 0;
                    if (!twcc::parse_feedback(again[0], fb2, at2, k2, why2) || k2 != m) {
                        __builtin_trap();
                    }
                    // The same arrivals, all shifted by one offset: a whole number of reference
                    // periods (the 24-bit reference wraps when the times are that large).
                    std::size_t f = 0;  // the first received (the writer wrote at least one)
                    while (at[f] == twcc::kNotReceived) {
                        ++f;
                    }
                    const int64_t shift = at2[f] - at[f];
                    if (shift % twcc::kReferenceWrapUs != 0) {
                        __builtin_trap();
                    }
                    for (std::size_t i = 0; i < m; ++i) {
                        if (at[i] == twcc::kNotReceived ? at2[i] != twcc::kNotReceived
                                                        : at2[i] - at[i] != shift) {
                            __builtin_trap();
                        }
                    }
                }
            }
        },
        why);
    if (!nacks.empty()) {
        std::vector<std::byte> out(8192);
        ByteWriter w{out};
        if (rtcp::write_nack(w, 1, media, nacks.data(), nacks.size()) && w.ok()) {
            bool ok = rtcp::for_each(
                ByteSpan{out}.first(w.size()), [](const rtcp::Packet&) {}, why);
            if (!ok) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
