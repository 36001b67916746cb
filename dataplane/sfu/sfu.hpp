// The SFU media engine of one lcore and port: WebRTC transports (ICE-lite, SRTP), published
// streams and subscriptions, and the forwarding between them. Datagrams on the media port are
// demultiplexed by their first byte (RFC 7983): STUN is answered here (ICE-lite, RFC 8445 §2.5),
// DTLS goes to the control plane, RTP and RTCP are handled on the fast path:
//   - RTP from a publisher is decrypted once and, for each subscription to its track whose layer
//     it matches (switches happen at keyframes), rewritten (SSRC, sequence number, timestamp,
//     payload type), encrypted for the subscriber and sent; the plaintext is kept for NACKs.
//   - RTCP from a subscriber: NACKs are answered from the publisher's packet store (rebuilt
//     exactly as first sent, or as RTX), PLI/FIR become a (throttled) PLI to the publisher, REMB
//     is recorded; a publisher's SR is translated for its subscribers.
//
// The engine owns fixed pools (transports, publications, subscriptions, tracks) and the
// open-addressing indexes over them; nothing on the packet path allocates. Where each concept
// lives: docs/sfu.md (file map). DPDK-free: frames go through a MediaSink. Lcore-local.
#pragma once

#include "common/config.hpp"
#include "common/shm/counters.hpp"
#include "common/srtp/srtp.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "dataplane/sfu/egress.hpp"
#include "dataplane/sfu/ice_lite.hpp"
#include "dataplane/sfu/index_table.hpp"
#include "dataplane/sfu/keyframe.hpp"
#include "dataplane/sfu/layer_allocator.hpp"
#include "dataplane/sfu/media_sink.hpp"
#include "dataplane/sfu/publication.hpp"
#include "dataplane/sfu/relay.hpp"
#include "dataplane/sfu/speech_detector.hpp"
#include "dataplane/sfu/subscription.hpp"
#include "dataplane/sfu/transport.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace tern::sfu {

/// Header extension ids a publisher's transport negotiated (0: not negotiated).
struct PublisherExtensions {
    uint8_t twcc = 0;     // transport-wide sequence number: tern answers with transport-cc feedback
    uint8_t level = 0;    // audio level (RFC 6464): speech start/stop goes to the sink
    uint8_t cvo = 0;      // video orientation (3GPP TS 26.114 CVO)
    uint8_t capture = 0;  // absolute capture time (end to end: the capturer's clock)
};

struct SfuLimits {
    uint32_t max_transports = 4096;
    uint32_t max_publications = 16384;  // streams published here or relayed here
    uint32_t max_subscriptions = 65536;
    uint32_t max_tracks = 16384;
    uint32_t nack_slots = 128;  // packets kept per published video stream (plaintext)
    uint64_t nack_resend_interval_us = 100'000;
    // Per publisher stream: one keyframe request outstanding at a time; the next goes once a
    // keyframe has arrived, or after this long without one (the request or its answer was lost).
    uint64_t pli_interval_us = 300'000;
    uint64_t consent_timeout_us = 30'000'000;  // RFC 7675 §5.1: no valid check for this long
    uint64_t twcc_interval_us = 100'000;       // transport-cc feedback to a publisher
    SpeechParams speech;                       // audio levels -> speech start/stop
    LayerCaps caps;  // the most a camera / a screen share is sent (layer selection)
    /// After the estimate moved a subscription down, it moves up again no sooner than this
    /// (with the keyframe throttle, what bounds keyframe requests on a link that oscillates).
    uint64_t upgrade_hold_us = 3'000'000;
    /// A video with a layer is paused only once the estimate has left its lowest layer
    /// uncovered this long (delay noise on a busy receiver comes and goes within it).
    uint64_t pause_after_us = 2'000'000;
};

class Sfu final {
public:
    enum class Outcome : uint8_t {
        Reply,     // a STUN response is in reply(): send it back to the sender
        Consumed,  // handled (forwarded, answered through the sink, or counted)
        Drop,      // counted
    };

    /// `lcore`, `port_index`: where this engine runs (relayed messages name them). Sizes every
    /// table from `limits`.
    Sfu(uint16_t port, const SfuLimits& limits, shm::LcoreCounters& counters, MediaSink& sink,
        uint32_t lcore = 0, uint16_t port_index = 0);
    ~Sfu() { out_.close(); }  // before the transports' SRTP contexts go
    Sfu(const Sfu&) = delete;
    Sfu& operator=(const Sfu&) = delete;

    /// Sends what waits for its SRTP tag (AES-CM packets: their tags are computed many at a
    /// time, see srtp::TagSink). The lcore calls it once per loop, before transmitting.
    static void flush() noexcept { Egress::flush(); }

    [[nodiscard]] uint16_t port() const noexcept { return port_; }
    /// Transports may have a UDP port of their own from [lo, hi] (this lcore's slice of
    /// services.transport_ports) besides the shared media port.
    void set_transport_ports(uint16_t lo, uint16_t hi) noexcept {
        own_lo_ = lo;
        own_hi_ = hi;
    }
    /// Whether UDP to `port` is this engine's: the media port or a transport's own port.
    [[nodiscard]] bool serves(uint16_t port) const noexcept {
        return port == port_ ||
               (port >= own_lo_ && port <= own_hi_ && by_port(port) != IndexTable::kNone);
    }

    // ---- control (between bursts; may allocate; sfu_control.cpp) ---------------------------
    /// `max_bps`: the publisher's budget, announced to it by REMB about twice a second (0: none).
    /// `udp_port` non-zero: the transport's own port (from set_transport_ports' range); ICE
    /// checks for it count only there.
    bool add_transport(uint64_t id, std::string_view local_ufrag, std::string_view local_pwd,
                       uint64_t max_bps = 0, uint16_t udp_port = 0);
    /// ICE restart (RFC 8445 §9): new local credentials for an existing transport. Media keeps
    /// flowing on the current path, and checks with the previous credentials keep being
    /// answered (the peer's consent for that path), until a check with the new ones arrives.
    bool restart_ice(uint64_t id, std::string_view local_ufrag, std::string_view local_pwd);
    [[nodiscard]] bool has_transport(uint64_t id) const noexcept {
        return by_id(id) != IndexTable::kNone;
    }
    bool set_keys(uint64_t id, const srtp::MasterKey& rx, const srtp::MasterKey& tx);
    bool remove_transport(uint64_t id);
    /// A published stream (one simulcast layer): RTP with `ssrc` on transport `id` belongs to
    /// track `track`, layer `layer`.
    bool add_publication(uint64_t id, uint32_t ssrc, uint32_t track, int layer, Codec codec,
                         uint32_t clock_hz);
    /// A simulcast layer announced by rid only: its SSRC is learnt from the first packet whose
    /// RTP stream id extension (id `rid_ext`) carries `rid`.
    bool add_rid_publication(uint64_t id, std::string_view rid, uint8_t rid_ext, uint32_t track,
                             int layer, Codec codec, uint32_t clock_hz);
    /// Transport `id` receives track `track` as `out_ssrc` with payload type `out_pt`.
    /// With `rtx_ssrc`, NACKed packets go back as RTX (RFC 4588) with payload type `rtx_pt`.
    /// `kind`: a camera or a screen share (its cap, and screens go first when bandwidth is short).
    bool add_subscription(uint64_t id, uint32_t track, uint32_t out_ssrc, uint8_t out_pt,
                          int target_layer, uint32_t rtx_ssrc = 0, uint8_t rtx_pt = 0,
                          VideoKind kind = VideoKind::Camera);
    /// The client's choice (selectStream). Without an estimate for its transport it is the
    /// target; with one it is the most the layer selection gives (sfu_layers.cpp).
    bool set_target_layer(uint64_t id, uint32_t out_ssrc, int layer,
                          int temporal = TemporalFilter::kAll);
    /// Transport `id` subscribes with transport-cc (its answer kept the extension and the
    /// feedback): from now on what it is sent carries transport-wide sequence numbers and its
    /// feedback drives a bandwidth estimate (TransportInfo::bwe_bps), and the estimate chooses
    /// its video layers (sfu_layers.cpp). Idempotent.
    bool estimate_bandwidth(uint64_t id);
    /// Header extension ids the publisher on transport `id` negotiated. Audio level, video
    /// orientation and capture time reach subscribers with tern's ids (wire::ext::kOut*); every
    /// other element of the publisher's is removed on arrival, and each leg's sender adds its
    /// own abs-send-time.
    bool set_extensions(uint64_t id, const PublisherExtensions& ext);
    // ---- rooms larger than one lcore ----------------------------------------------------------
    /// On the publisher's lcore: hand (or stop handing) track `track`'s packets to lcore `lcore`.
    bool set_relay(uint32_t track, uint32_t lcore, bool on);
    /// On a subscriber's lcore: layer `layer` of track `track`, published on lcore `from_lcore`,
    /// arrives relayed; subscriptions here take it like a local one. It goes away with the last
    /// subscription to the track on this lcore.
    bool add_remote_publication(uint32_t track, int layer, Codec codec, uint32_t clock_hz,
                                uint32_t from_lcore);
    /// What another lcore's engine relayed to this one.
    void on_relayed(const Relayed& r, const std::byte* rtp, std::size_t len,
                    uint64_t now_us) noexcept;

    /// Consent freshness (RFC 7675): a connected transport whose remote sent no valid check for
    /// consent_timeout stops sending and is reported down; speakers whose packets stopped stop
    /// speaking. Call about once a second.
    void expire(uint64_t now_us) noexcept;

    /// Sends `datagram` (DTLS from the control plane) to transport `id`'s remote, from the
    /// address the remote reached us on. False when the transport is unknown or has no remote.
    bool send_datagram(uint64_t id, ByteSpan datagram) noexcept;

    // ---- packets -----------------------------------------------------------------------------
    /// A datagram to the media port from `peer`, which reached us from `peer_mac`. `payload`
    /// lies in a buffer the engine may modify (SRTP is removed in place).
    Outcome on_datagram(std::byte* payload, std::size_t len, const wire::Endpoint& peer,
                        const wire::Endpoint& local, const wire::MacAddr& peer_mac,
                        uint64_t now_us) noexcept;

    [[nodiscard]] ByteSpan reply() const noexcept { return ByteSpan{scratch_}.first(reply_len_); }

    using TransportInfo = sfu::TransportInfo;
    [[nodiscard]] bool info(uint64_t id, TransportInfo& out) const noexcept;

private:
    /// Where a track's packets go: subscriptions on this lcore and the lcores it is relayed to;
    /// and its publications (layers, local or relayed here). Freed when all three are empty.
    struct Track {
        bool in_use = false;
        uint32_t id = 0;
        std::vector<uint32_t> subs;  // subscription slots
        std::vector<uint32_t> pubs;  // publication slots
        RelayTargets relay;
    };

    // ---- the packet path (sfu.cpp; reports: sfu_reports.cpp; relaying: sfu_relay.cpp) ----
    Outcome on_stun(ByteSpan msg, const wire::Endpoint& peer, const wire::Endpoint& local,
                    const wire::MacAddr& mac, uint64_t now_us) noexcept;
    /// `moved`: the valid path it came on when that is not the selected one; authenticated, the
    /// packet selects it.
    Outcome on_rtp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                   const IcePath* moved) noexcept;
    Outcome on_rtcp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                    const IcePath* moved) noexcept;
    void forward(uint32_t pub_slot, const std::byte* rtp, std::size_t len, uint16_t seq,
                 uint32_t ts, bool keyframe, uint64_t now_us) noexcept;
    void retransmit(Subscription& s, uint16_t out_seq, uint64_t now_us) noexcept;
    /// Transport-cc feedback from subscriber `t` (which estimates bandwidth) into its estimator.
    void on_twcc_feedback(Transport& t, const wire::rtcp::Packet& pkt, uint64_t now_us) noexcept;
    /// The estimate of `t` to the control plane (sink_.estimate) when it moved, at most once
    /// per kEstimateReportUs.
    void report_estimate(Transport& t, uint64_t now_us) noexcept;
    static constexpr uint64_t kEstimateReportUs = 1'000'000;
    /// Loss in a feedback's window above which the link counts as congested (select_layers).
    static constexpr double kCongestedLoss = 0.02;
    // ---- layer selection from the estimate (sfu_layers.cpp) ----
    /// Runs the layer allocator for subscriber `t` (which has an estimate from feedback) and
    /// applies what changed.
    void select_layers(Transport& t, uint64_t now_us) noexcept;
    /// Makes `target` subscription `s`'s layers: through LayerSwitch (at the layer's keyframe)
    /// and TemporalFilter, or paused.
    void apply_layers(Subscription& s, const LayerTarget& target, uint64_t now_us) noexcept;
    /// Sends what the probe cluster of `t` is due by now (padding-only RTP on an RTX stream of
    /// its, at the cluster's rate); ends the cluster after its duration.
    void send_probes(Transport& t, uint64_t now_us) noexcept;
    /// The subscription of `t` whose RTX stream carries its probes; nullptr: none has RTX.
    Subscription* probe_stream(const Transport& t) noexcept;
    /// Packet results of a feedback for `t`'s probe controller; a verdict raises the estimate.
    void judge_probe(Transport& t, std::span<const PacketResult> results, uint64_t now_us) noexcept;
    static constexpr uint32_t kProbePadding = 255;  // padding octets per probe packet (the most)
    static constexpr uint32_t kProbeBurst = 32;     // probe packets per call at most
    /// An upgrade tried without a probe (no RTX stream) is kept this long unless the feedback
    /// shows congestion: long enough for its keyframe and for the acked rate to follow.
    static constexpr uint64_t kUnprobedTrialUs = 2'000'000;
    /// A client's request above what it gets is tried at once (no probe) on a link without
    /// congestion, at most this often per transport (each switch costs a keyframe).
    static constexpr uint64_t kRequestTrialSpacingUs = 1'000'000;
    void request_keyframe(uint32_t track, int layer, uint64_t now_us) noexcept;
    void request_keyframe(Publication& pub, uint64_t now_us) noexcept;
    void note_twcc(Transport& t, const wire::RtpView& v, uint64_t now_us) noexcept;
    void note_level(Transport& t, Publication& pub, const wire::RtpView& v,
                    uint64_t now_us) noexcept;
    void speech_changed(const Transport& t, const Publication& pub,
                        const SpeechDetector::Change& c) noexcept;
    /// Hands a local publication's packet (or sender report) to the lcores with subscribers of it.
    void relay_out(const Publication& pub, const Relayed& r, ByteSpan rtp) noexcept;
    /// RR for the publisher's streams (loss, jitter, LSR/DLSR) and REMB with its budget.
    void report_to_publisher(Transport& t, uint64_t now_us) noexcept;
    /// A publisher's SR, translated for each subscriber currently receiving that stream.
    void relay_sender_report(const Publication& pub, uint64_t ntp, uint32_t rtp_ts) noexcept;
    /// An unknown SSRC on a transport that publishes by rid: binds it to the layer its rid names.
    bool learn_ssrc(Transport& t, const wire::RtpView& v) noexcept;
    /// The connected transport with a valid path from `peer`, and that path.
    Transport* by_remote(const wire::Endpoint& peer, const IcePath*& path) noexcept;
    /// Records a valid check of transport `slot` (a new path evicts the oldest unselected one).
    void note_path(uint32_t slot, const IcePath& path) noexcept;
    /// Makes `path` the transport's selected one; tells the control plane when it moved.
    void select_path(Transport& t, const IcePath& path, uint64_t now_us) noexcept;
    /// The relayed publication of (track, layer) on this lcore, or kNone.
    [[nodiscard]] uint32_t remote_publication(uint32_t track, int layer) const noexcept;

    // ---- the tables ----
    [[nodiscard]] uint32_t by_id(uint64_t id) const noexcept {
        return by_id_.find(hash32(id), [&](uint32_t s) { return transports_[s]->id == id; });
    }
    [[nodiscard]] uint32_t by_port(uint16_t port) const noexcept {
        return by_port_.find(hash32(port),
                             [&](uint32_t s) { return transports_[s]->udp_port == port; });
    }
    /// The slot of the transport with ufrag `u` (current, or previous with `*prev` set), or kNone.
    [[nodiscard]] uint32_t by_ufrag(std::string_view u, bool* prev = nullptr) const noexcept;
    [[nodiscard]] uint32_t pub_by_ssrc(uint32_t ssrc) const noexcept {
        return pub_by_ssrc_.find(hash32(ssrc), [&](uint32_t p) { return pubs_[p].ssrc == ssrc; });
    }
    [[nodiscard]] uint32_t sub_by_ssrc(uint32_t slot, uint32_t out_ssrc) const noexcept {
        return sub_by_ssrc_.find(sub_key(slot, out_ssrc), [&](uint32_t s) {
            return subs_[s]->transport == slot && subs_[s]->out_ssrc == out_ssrc;
        });
    }
    [[nodiscard]] uint32_t track_slot(uint32_t track) const noexcept {
        return by_track_.find(hash32(track), [&](uint32_t k) { return tracks_[k].id == track; });
    }
    static uint32_t sub_key(uint32_t slot, uint32_t out_ssrc) noexcept {
        return hash32(uint64_t{slot} << 32 | out_ssrc);
    }
    static uint32_t ufrag_entry(uint32_t slot, bool prev) noexcept {
        return slot << 1 | (prev ? 1 : 0);
    }

    // ---- control helpers (sfu_control.cpp) ----
    /// The track's slot, created when new; kNone when the pool is full.
    uint32_t track_for(uint32_t track);
    /// Frees track slot `k` when nothing uses it any more.
    void release_track(uint32_t k) noexcept;
    /// A free publication slot (kNone: full), and the way back.
    uint32_t new_publication(uint32_t transport, uint32_t track, int layer, Codec codec,
                             uint32_t clock_hz);
    void free_publication(uint32_t p) noexcept;
    void free_subscription(uint32_t s) noexcept;
    /// Records that `ssrc` on `t` is publication `p` (the index and the transport's inline list).
    void bind_ssrc(Transport& t, uint32_t ssrc, uint32_t p) noexcept;
    void unindex_remote(uint32_t slot, const wire::Endpoint& remote) noexcept;
    void forget_paths(uint32_t slot) noexcept;
    /// Stops answering the credentials a transport had before its last ICE restart.
    void end_prev_credentials(uint32_t slot) noexcept;

    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }

    uint16_t port_;
    uint16_t port_index_ = 0;
    uint32_t lcore_ = 0;  // this engine's lcore (for what it relays)
    SfuLimits limits_;
    shm::LcoreCounters& counters_;  // borrowed, lcore-local
    MediaSink& sink_;               // borrowed, outlives this
    Egress out_;
    LayerAllocator allocator_;
    uint16_t own_lo_ = 1;  // empty range until set_transport_ports()
    uint16_t own_hi_ = 0;
    // Pools, sized once; slots are reused (publications carry a generation for stale references).
    std::vector<std::unique_ptr<Transport>> transports_;  // null = free
    std::vector<Publication> pubs_;
    std::vector<std::unique_ptr<Subscription>> subs_;  // null = free
    std::vector<Track> tracks_;
    std::vector<uint32_t> free_pubs_, free_subs_, free_tracks_;  // stacks of free slots
    // Indexes over the pools (fixed open addressing; see index_table.hpp).
    IndexTable by_id_;        // transport id -> transport
    IndexTable by_ufrag_;     // ufrag -> transport (ufrag_entry: current or previous credentials)
    IndexTable by_port_;      // own UDP port -> transport
    IndexTable by_remote_;    // a valid path's remote address -> transport (several may share one)
    IndexTable pub_by_ssrc_;  // SSRC -> local publication
    IndexTable sub_by_ssrc_;  // (transport, our SSRC) -> subscription
    IndexTable by_track_;     // track id -> track
    std::array<PacketResult, 1024> results_{};  // a feedback's packet results (for probing)
    alignas(64) std::array<std::byte, 512> scratch_{};
    std::size_t reply_len_ = 0;
};

}  // namespace tern::sfu
