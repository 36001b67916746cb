// The RTCP the SFU engine generates, each written straight into its buffer by Egress::send_rtcp
// (the one buffer helper): receiver reports with REMB to publishers, publishers' sender reports
// translated for subscribers, keyframe requests (PLI) and transport-cc feedback. Each returns
// whether the packet went out; the engine counts. Lcore-local.
#pragma once

#include "common/wire/rtcp.hpp"
#include "dataplane/sfu/egress.hpp"
#include "dataplane/sfu/transport.hpp"

#include <cstdint>
#include <span>

namespace tern::sfu {

/// RR (RFC 3550 §6.4.2) with `blocks` from `t`'s RTCP SSRC, and REMB with its budget when it has
/// one (for the same SSRCs).
bool send_receiver_report(Egress& out, Transport& t,
                          std::span<const wire::rtcp::ReportBlock> blocks) noexcept;

/// A publisher's SR as subscription `ssrc` of `t` sees it: its timestamp already translated,
/// the packet and octet counts of what the subscription was sent. No report blocks.
bool send_sender_report(Egress& out, Transport& t, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                        uint32_t packets, uint32_t octets) noexcept;

/// PLI (RFC 4585 §6.3.1) for `media_ssrc` to publisher `t`.
bool send_pli(Egress& out, Transport& t, uint32_t media_ssrc) noexcept;

/// One transport-cc feedback packet to publisher `t` from `base_seq` (at most 1,200 bytes);
/// returns how many of `arrivals_us` it covers (0: none arrived, nothing written) and whether
/// it went out.
struct TwccSent {
    std::size_t covered = 0;
    bool sent = false;
};
TwccSent send_twcc_feedback(Egress& out, Transport& t, uint32_t media_ssrc, uint16_t base_seq,
                            std::span<const int64_t> arrivals_us, uint8_t feedback_count) noexcept;

}  // namespace tern::sfu
