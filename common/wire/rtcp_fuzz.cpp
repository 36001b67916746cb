// libFuzzer target: RTCP compound walking and every feedback parser on each packet; writers'
// output for what was parsed must parse again.
#include "common/wire/rtcp.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tern;
using namespace tern::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Error why{};
    std::vector<uint16_t> nacks;
    uint32_t media = 0;
    (void)rtcp::for_each(as_bytes(data, size), [&](const rtcp::Packet& p) {
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
    }, why);
    if (!nacks.empty()) {
        std::vector<std::byte> out(8192);
        ByteWriter w{out};
        if (rtcp::write_nack(w, 1, media, nacks.data(), nacks.size()) && w.ok()) {
            bool ok = rtcp::for_each(ByteSpan{out}.first(w.size()), [](const rtcp::Packet&) {}, why);
            if (!ok) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
