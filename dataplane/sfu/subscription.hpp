// One transport receiving one track as its own stream: the layer it receives (switched at
// keyframes) and its temporal layers, the rewriting of SSRC, sequence number, timestamp and payload
// type that keeps its numbering continuous, and what each sent sequence number carried, to rebuild
// it for a NACK (as first sent, or as RTX, RFC 4588). Lcore-local.
#pragma once

#include "dataplane/sfu/layer_allocator.hpp"
#include "dataplane/sfu/retransmit_cache.hpp"
#include "dataplane/sfu/rewriter.hpp"
#include "dataplane/sfu/temporal_filter.hpp"

#include <cstdint>

namespace tern::sfu {

struct Subscription {
    uint32_t transport = 0;  // its transport's slot
    uint32_t track = 0;
    uint32_t track_slot = 0;  // its track's entry in the engine's track pool
    uint32_t out_ssrc = 0;
    uint8_t out_pt = 0;
    LayerSwitch layers;
    bool video = true;
    VideoKind kind = VideoKind::Camera;
    /// The client's request (selectStream): its maximum once the estimate decides (below).
    int max_layer = 0;
    int max_temporal = TemporalFilter::kAll;
    /// What it gets: the request, or the layer allocator's decision once its transport has an
    /// estimate (`allocated`); `down_us`: when that last went down (upgrades wait a while).
    LayerTarget chosen;
    bool allocated = false;
    /// The client asked for more than it gets (selectStream) and that has not been tried yet.
    bool asked_up = false;
    uint64_t down_us = 0;
    /// Since when the estimate has not covered its lowest layer (0: it does): it pauses once
    /// that lasted SfuLimits::pause_after_us.
    uint64_t short_us = 0;
    TemporalFilter temporal;  // VP8: the temporal layers it gets of its simulcast layer
    StreamRewriter rewriter;
    /// What a sent sequence number carried: the publication (slot and generation) and its
    /// sequence number there, to find the plaintext again, and the numbers it went out with.
    struct SentRef {
        uint32_t pub = 0;
        uint32_t out_ts = 0;
        uint32_t abs = 0;  // the abs-send-time it carried: a resend must be the same bytes
        uint16_t in_seq = 0;
        uint16_t twcc_seq = 0;  // the transport-wide number it carried (when `twcc`), likewise
        uint8_t pub_gen = 0;
        bool valid = false;
        bool twcc = false;
    };
    RetransmitCache<SentRef> sent;
    uint32_t packets = 0;  // sent, for our sender reports
    uint32_t octets = 0;
    uint32_t rtx_ssrc = 0;  // RFC 4588 retransmissions, when negotiated
    uint8_t rtx_pt = 0;
    uint16_t rtx_seq = 0;
    Subscription(uint32_t clock_hz, uint32_t slots) : rewriter(clock_hz), sent(slots) {}
};

}  // namespace tern::sfu
