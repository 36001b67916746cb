// One WebRTC transport (a browser's peer connection) as the engine keeps it: ICE-lite state (its
// credentials, valid paths and the selected one), the SRTP contexts keyed from DTLS, the
// publisher-side extension ids and RTCP state, the bandwidth estimate towards it when it
// subscribes with transport-cc, and its statistics. Its publications and
// subscriptions live in the engine's pools and point back at its slot. Lcore-local.
#pragma once

#include "common/srtp/srtp.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "dataplane/sfu/bandwidth_estimator.hpp"
#include "dataplane/sfu/ice_lite.hpp"
#include "dataplane/sfu/media_sink.hpp"
#include "dataplane/sfu/probe_controller.hpp"
#include "dataplane/sfu/twcc_receiver.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace tern::sfu {

struct TransportInfo {
    bool connected = false;
    wire::Endpoint remote;
    uint64_t rtp_in = 0, rtp_out = 0, nacks_answered = 0, plis_sent = 0;
    uint64_t remb_bps = 0;
    uint64_t rembs_sent = 0;
    uint64_t reports_sent = 0;  // RR to a publisher, SR to a subscriber
    uint64_t twcc_sent = 0;     // transport-cc feedback packets to a publisher
    uint64_t twcc_in = 0;       // transport-cc feedback packets from a subscriber, applied
    uint64_t bwe_bps = 0;       // the bandwidth estimate towards a subscriber (0: no feedback yet)
};

struct Transport {
    uint64_t id = 0;
    uint32_t slot = 0;      // in the engine's pool
    uint16_t udp_port = 0;  // its own port, or 0: the shared media port
    IceCredentials ice;
    bool connected = false;
    wire::Endpoint remote;  // the selected path: where its media and ours go
    wire::Endpoint local;   // the address and port the remote reached us on
    wire::MacAddr remote_mac;
    /// Every remote that passed a check, the selected one among them; authenticated media from
    /// another one moves the selection there.
    IcePaths paths;
    /// Media moves the selection at most once in this long (stragglers of the old path arrive
    /// after the new one's first packets); a nomination moves it at once.
    static constexpr uint64_t kMediaSwitchHoldUs = 1'000'000;
    uint64_t selected_us = 0;  // when the selection last moved
    std::unique_ptr<srtp::Context> rx;
    std::unique_ptr<srtp::Context> tx;
    uint32_t rtcp_ssrc = 0;  // the SSRC the SFU sends RTCP from on this transport
    uint64_t max_bps = 0;    // REMB to a publisher
    uint64_t last_remb_us = 0;
    uint8_t rid_ext = 0;                 // RTP stream id extension id, when it publishes by rid
    uint8_t level_ext = 0;               // audio level extension id
    uint8_t twcc_ext = 0;                // transport-wide sequence number extension id
    wire::RtpExtMap out_ext;             // its extension ids -> the ids subscribers get
    std::unique_ptr<TwccReceiver> twcc;  // when it sends transport-wide sequence numbers
    /// When it subscribes with transport-cc: every packet sent to it carries the next
    /// transport-wide sequence number (wire::ext::kOutTransportCc) and is recorded here; its
    /// feedback drives the estimate (owned; allocated by the control command, never per packet).
    std::unique_ptr<BandwidthEstimator> bwe;
    uint16_t twcc_out_seq = 0;  // the next transport-wide sequence number sent to it
    /// Its last feedback showed congestion (overuse, or loss): the estimate is all it gets;
    /// otherwise what gets through is kept even where the estimate has not caught up.
    bool bwe_congested = false;
    double bwe_loss = 0;      // of its last feedback's closed loss window
    uint64_t layers_bps = 0;  // what its video layers and audio need, as last allocated
    /// Probing before an upgrade (with bwe): the controller decides clusters, the engine sends
    /// them as padding on an RTX stream of the transport (sfu_layers.cpp).
    std::unique_ptr<ProbeController> probe;
    ProbeController::Cluster cluster;  // the one being sent (id kNoProbeCluster: none)
    uint64_t cluster_start_us = 0;
    uint64_t cluster_sent_bits = 0;
    uint64_t unprobed_up_us = 0;     // the last upgrade tried without a probe (no RTX stream)
    uint64_t layers_budget_bps = 0;  // what layer selection last allocated (0: not run yet)
    /// Since when the budget has not covered what its layers need (0: it does): the layers are
    /// kept until that has lasted SfuLimits::pause_after_us, unless loss shows or it is severe.
    uint64_t short_since_us = 0;
    uint64_t request_trial_us = 0;  // the last client's request tried without a probe
    EstimateReport bwe_reported;    // the estimate and layers last reported to the control plane
    uint64_t bwe_reported_us = 0;   // and when
    uint64_t last_check_us = 0;     // the last valid ICE check (consent)
    std::vector<uint32_t>
        pubs;  // its publications (slots in the engine's pool): reports, rid learning
    /// Its known SSRCs and their publications, inline: the packet path finds its stream in the
    /// transport it already touched instead of the engine's table (many small rooms keep little
    /// of that table in cache).
    static constexpr std::size_t kFastSsrcs = 8;
    std::array<std::pair<uint32_t, uint32_t>, kFastSsrcs> fast_ssrcs{};
    uint8_t n_fast = 0;
    std::vector<uint32_t> subs;  // its subscriptions (slots in the engine's pool)
    TransportInfo stats;
};

}  // namespace tern::sfu
