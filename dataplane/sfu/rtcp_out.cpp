#include "dataplane/sfu/rtcp_out.hpp"

#include "common/wire/twcc.hpp"

#include <array>

namespace tern::sfu {

namespace {
constexpr std::size_t kMaxReport = 400;     // RR with 16 blocks and REMB for 16 SSRCs
constexpr std::size_t kMaxShort = 64;       // an SR without blocks, a PLI
constexpr std::size_t kMaxFeedback = 1200;  // transport-cc: what is left goes in the next packet
}  // namespace

bool send_receiver_report(Egress& out, Transport& t,
                          std::span<const wire::rtcp::ReportBlock> blocks) noexcept {
    return out.send_rtcp(t, kMaxReport, [&](ByteWriter& w) {
        wire::rtcp::write_rr(w, t.rtcp_ssrc, blocks.data(), blocks.size());
        if (t.max_bps != 0) {
            std::array<uint32_t, 16> ssrcs{};
            const std::size_t n = std::min(blocks.size(), ssrcs.size());
            for (std::size_t i = 0; i < n; ++i) {
                ssrcs[i] = blocks[i].ssrc;
            }
            wire::rtcp::write_remb(w, t.rtcp_ssrc, t.max_bps, ssrcs.data(), n);
        }
        return true;
    });
}

bool send_sender_report(Egress& out, Transport& t, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                        uint32_t packets, uint32_t octets) noexcept {
    return out.send_rtcp(t, kMaxShort, [&](ByteWriter& w) {
        wire::rtcp::write_sr(w, ssrc, ntp, rtp_ts, packets, octets, nullptr, 0);
        return true;
    });
}

bool send_pli(Egress& out, Transport& t, uint32_t media_ssrc) noexcept {
    return out.send_rtcp(t, kMaxShort, [&](ByteWriter& w) {
        wire::rtcp::write_pli(w, t.rtcp_ssrc, media_ssrc);
        return true;
    });
}

TwccSent send_twcc_feedback(Egress& out, Transport& t, uint32_t media_ssrc, uint16_t base_seq,
                            std::span<const int64_t> arrivals_us, uint8_t feedback_count) noexcept {
    TwccSent r;
    r.sent = out.send_rtcp(t, kMaxFeedback, [&](ByteWriter& w) {
        r.covered = wire::twcc::write_feedback(w, t.rtcp_ssrc, media_ssrc, base_seq, arrivals_us,
                                               feedback_count);
        return r.covered != 0;
    });
    return r;
}

}  // namespace tern::sfu
