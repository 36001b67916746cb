// The SFU media engine of one lcore and port: WebRTC transports (ICE-lite, SRTP), published
// streams and subscriptions, and the forwarding between them.
//
// Per transport: the local ICE credentials (the control plane's answer SDP), the remote address
// USE-CANDIDATE nominated, and the SRTP contexts keyed from DTLS. Datagrams on the media port are
// demultiplexed by their first byte (RFC 7983): STUN is answered here (ICE-lite, RFC 8445 §2.5),
// DTLS goes to the control plane, RTP and RTCP are handled on the fast path:
//   - RTP from a publisher is decrypted once and, for each subscription to its track whose layer
//     it matches (switches happen at keyframes), rewritten (SSRC, sequence number, timestamp,
//     payload type), encrypted for the subscriber and sent; the sent frame is kept for NACKs.
//   - RTCP from a subscriber: NACKs are answered from the publisher's packet store (the packet is
//     rewritten and encrypted again for that subscriber: the same index and plaintext give the
//     same bytes), PLI/FIR become a (throttled) PLI to the publisher, REMB is recorded.
//   Memory for NACKs grows with publishers, not with subscribers: a 50-person meeting keeps 50
//   stores, not 2,450.
//
// DPDK-free: frames are allocated and sent through a MediaSink (mbufs on the lcore, buffers in
// tests). Lcore-local.
#pragma once

#include "common/config.hpp"
#include "common/crypto/hmac.hpp"
#include "common/shm/counters.hpp"
#include "common/srtp/srtp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "dataplane/sfu/keyframe.hpp"
#include "dataplane/sfu/retransmit_cache.hpp"
#include "dataplane/sfu/rewriter.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::sfu {

/// What passes between the engines of two lcores when a track's subscribers live on more than
/// one: the publisher's lcore decrypts once and hands the plaintext packet to each other lcore
/// that has subscribers of its track; those send keyframe requests back; sender reports follow
/// the packets.
struct Relayed {
    enum class Kind : uint8_t { Rtp, KeyframeRequest, SenderReport };
    Kind kind = Kind::Rtp;
    uint8_t keyframe = 0;   // Rtp: the packet starts a keyframe
    uint16_t port = 0;      // the engine's port index on both lcores
    uint32_t track = 0;
    int32_t layer = 0;
    uint32_t ssrc = 0;      // the publisher's SSRC of that layer
    uint32_t rtp_ts = 0;    // SenderReport
    uint32_t from = 0;      // the sending lcore
    uint64_t ntp = 0;       // SenderReport
};

/// Where the engine's frames go. alloc() hands out a buffer whose `payload` has room for the
/// network headers before it; send() writes them and transmits.
class MediaSink {
public:
    struct Buf {
        std::byte* payload = nullptr;
        std::size_t room = 0;  // bytes available from `payload`
        void* handle = nullptr;
    };
    virtual bool alloc(Buf& b) noexcept = 0;
    virtual void send(Buf& b, std::size_t len, const wire::MacAddr& mac, const wire::Endpoint& src,
                      const wire::Endpoint& dst) noexcept = 0;
    virtual void discard(Buf& b) noexcept = 0;  // allocated, not sent
    /// A datagram for the control plane (DTLS) from transport `id`; false when there is no room.
    virtual bool punt(uint64_t id, ByteSpan datagram) noexcept = 0;
    /// ICE chose (or moved) transport `id`'s remote address; `up` false: consent expired.
    virtual void transport_up(uint64_t id, const wire::Endpoint& remote, bool up = true) noexcept = 0;
    /// Published audio track `track` of transport `id` started (or stopped) carrying speech;
    /// `level`: the mean -dBov of its voiced packets in the interval that decided it.
    virtual void speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept {
        (void)id, (void)track, (void)on, (void)level;
    }
    /// `r` (with the plaintext RTP packet `rtp` for Kind::Rtp) for lcore `lcore`'s engine, which
    /// gets it through Sfu::on_relayed(). False when it could not be queued (counted).
    virtual bool relay(uint32_t lcore, const Relayed& r, ByteSpan rtp) noexcept {
        (void)lcore, (void)r, (void)rtp;
        return false;
    }

protected:
    ~MediaSink() = default;
};

/// Header extension ids a publisher's transport negotiated (0: not negotiated).
struct PublisherExtensions {
    uint8_t twcc = 0;     // transport-wide sequence number: tern answers with transport-cc feedback
    uint8_t level = 0;    // audio level (RFC 6464): speech start/stop goes to the sink
    uint8_t cvo = 0;      // video orientation (3GPP TS 26.114 CVO)
    uint8_t capture = 0;  // absolute capture time (end to end: the capturer's clock)
};

struct SfuLimits {
    uint32_t max_transports = 4096;
    uint32_t nack_slots = 128;            // packets kept per published video stream (plaintext)
    uint64_t nack_resend_interval_us = 100'000;
    // Per publisher stream: one keyframe request outstanding at a time; the next goes once a
    // keyframe has arrived, or after this long without one (the request or its answer was lost).
    uint64_t pli_interval_us = 300'000;
    uint64_t consent_timeout_us = 30'000'000;  // RFC 7675 §5.1: no valid check for this long
    uint64_t twcc_interval_us = 100'000;       // transport-cc feedback to a publisher
    uint64_t speech_interval_us = 500'000;     // audio levels are judged over this long
    uint8_t speech_level = 50;                 // -dBov: a packet at least this loud is voiced
    uint16_t speech_start_packets = 8;         // voiced packets in an interval to start speaking
    uint16_t speech_stop_packets = 3;          // fewer than this: stops
};

class Sfu final : srtp::TagSink {
public:
    enum class Outcome : uint8_t {
        Reply,     // a STUN response is in reply(): send it back to the sender
        Consumed,  // handled (forwarded, answered through the sink, or counted)
        Drop,      // counted
    };

    /// `lcore`, `port_index`: where this engine runs (relayed messages name them).
    Sfu(uint16_t port, const SfuLimits& limits, shm::LcoreCounters& counters, MediaSink& sink, uint32_t lcore = 0,
        uint16_t port_index = 0) noexcept;
    ~Sfu();
    Sfu(const Sfu&) = delete;
    Sfu& operator=(const Sfu&) = delete;

    /// Sends what waits for its SRTP tag (AES-CM packets: their tags are computed many at a
    /// time, see srtp::TagSink). The lcore calls it once per loop, before transmitting.
    static void flush() noexcept { srtp::tags::flush(); }

    [[nodiscard]] uint16_t port() const noexcept { return port_; }
    /// Transports may have a UDP port of their own from [lo, hi] (this lcore's slice of
    /// services.transport_ports) besides the shared media port.
    void set_transport_ports(uint16_t lo, uint16_t hi) noexcept {
        own_lo_ = lo;
        own_hi_ = hi;
    }
    /// Whether UDP to `port` is this engine's: the media port or a transport's own port.
    [[nodiscard]] bool serves(uint16_t port) const noexcept {
        return port == port_ || (port >= own_lo_ && port <= own_hi_ && by_port_.count(port) != 0);
    }

    // ---- control (between bursts; may allocate) ---------------------------------------------
    /// `max_bps`: the publisher's budget, announced to it by REMB about twice a second (0: none).
    /// `udp_port` non-zero: the transport's own port (from set_transport_ports' range); ICE
    /// checks for it count only there.
    bool add_transport(uint64_t id, std::string_view local_ufrag, std::string_view local_pwd, uint64_t max_bps = 0,
                       uint16_t udp_port = 0);
    /// ICE restart (RFC 8445 §9): new local credentials for an existing transport. Media keeps
    /// flowing on the current path, and checks with the previous credentials keep being
    /// answered (the peer's consent for that path), until a check with the new ones arrives.
    bool restart_ice(uint64_t id, std::string_view local_ufrag, std::string_view local_pwd);
    [[nodiscard]] bool has_transport(uint64_t id) const { return by_id_.count(id) != 0; }
    bool set_keys(uint64_t id, const srtp::MasterKey& rx, const srtp::MasterKey& tx);
    bool remove_transport(uint64_t id);
    /// A published stream (one simulcast layer): RTP with `ssrc` on transport `id` belongs to
    /// track `track`, layer `layer`.
    bool add_publication(uint64_t id, uint32_t ssrc, uint32_t track, int layer, Codec codec, uint32_t clock_hz);
    /// A simulcast layer announced by rid only: its SSRC is learnt from the first packet whose
    /// RTP stream id extension (id `rid_ext`) carries `rid`.
    bool add_rid_publication(uint64_t id, std::string_view rid, uint8_t rid_ext, uint32_t track, int layer,
                             Codec codec, uint32_t clock_hz);
    /// Transport `id` receives track `track` as `out_ssrc` with payload type `out_pt`.
    /// With `rtx_ssrc`, NACKed packets go back as RTX (RFC 4588) with payload type `rtx_pt`.
    bool add_subscription(uint64_t id, uint32_t track, uint32_t out_ssrc, uint8_t out_pt, int target_layer,
                          uint32_t rtx_ssrc = 0, uint8_t rtx_pt = 0);
    bool set_target_layer(uint64_t id, uint32_t out_ssrc, int layer);
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
    bool add_remote_publication(uint32_t track, int layer, Codec codec, uint32_t clock_hz, uint32_t from_lcore);
    /// What another lcore's engine relayed to this one.
    void on_relayed(const Relayed& r, const std::byte* rtp, std::size_t len, uint64_t now_us) noexcept;

    /// Consent freshness (RFC 7675): a connected transport whose remote sent no valid check for
    /// consent_timeout stops sending and is reported down. Call about once a second.
    void expire(uint64_t now_us) noexcept;

    /// Sends `datagram` (DTLS from the control plane) to transport `id`'s remote, from the
    /// address the remote reached us on. False when the transport is unknown or has no remote.
    bool send_datagram(uint64_t id, ByteSpan datagram) noexcept;

    // ---- packets -----------------------------------------------------------------------------
    /// A datagram to the media port from `peer`, which reached us from `peer_mac`. `payload`
    /// lies in a buffer the engine may modify (SRTP is removed in place).
    Outcome on_datagram(std::byte* payload, std::size_t len, const wire::Endpoint& peer,
                        const wire::Endpoint& local, const wire::MacAddr& peer_mac, uint64_t now_us) noexcept;

    [[nodiscard]] ByteSpan reply() const noexcept { return ByteSpan{scratch_}.first(reply_len_); }

    struct TransportInfo {
        bool connected = false;
        wire::Endpoint remote;
        uint64_t rtp_in = 0, rtp_out = 0, nacks_answered = 0, plis_sent = 0;
        uint64_t remb_bps = 0;
        uint64_t rembs_sent = 0;
        uint64_t reports_sent = 0;  // RR to a publisher, SR to a subscriber
        uint64_t twcc_sent = 0;     // transport-cc feedback packets to a publisher
    };
    [[nodiscard]] bool info(uint64_t id, TransportInfo& out) const noexcept;

private:
    /// Arrivals by transport-wide sequence number since the last transport-cc feedback.
    struct TwccReceiver {
        static constexpr std::size_t kWindow = 1024;  // 10 s of a 1 Mbit/s publisher's packets at most
        bool started = false;
        uint16_t next = 0;     // the first sequence number not yet reported
        uint16_t highest = 0;
        uint8_t feedback_count = 0;
        uint64_t last_us = 0;
        std::array<int64_t, kWindow> at_us;  // by sequence number modulo kWindow
        TwccReceiver() { at_us.fill(-1); }
    };
    struct Transport {
        uint64_t id = 0;
        uint16_t udp_port = 0;  // its own port, or 0: the shared media port
        std::string ufrag;
        crypto::HmacSha1Key pwd;
        std::string prev_ufrag;  // the credentials before an ICE restart, until the new ones are used
        crypto::HmacSha1Key prev_pwd;
        bool connected = false;
        wire::Endpoint remote;  // the selected path: where its media and ours go
        wire::Endpoint local;   // the address and port the remote reached us on
        wire::MacAddr remote_mac;
        /// Every remote that passed a check (RFC 8445 §7.3.1.4: a valid pair each), the selected
        /// one among them. A full agent starts sending on a new pair before it nominates it
        /// (libwebrtc nominates a lite agent's pair only once it selected it, up to a ping
        /// interval later) and packets of the old pair are still in flight: media from any of
        /// these is taken, and authenticated media from another one moves the selection there.
        struct Path {
            wire::Endpoint remote, local;
            wire::MacAddr mac;        // the next hop it came from
            uint64_t checked_us = 0;  // its last valid check
        };
        static constexpr std::size_t kPaths = 4;
        /// Media moves the selection at most once in this long (stragglers of the old path
        /// arrive after the new one's first packets); a nomination moves it at once.
        static constexpr uint64_t kMediaSwitchHoldUs = 1'000'000;
        std::array<Path, kPaths> paths{};
        uint8_t n_paths = 0;
        uint64_t selected_us = 0;  // when the selection last moved
        std::unique_ptr<srtp::Context> rx;
        std::unique_ptr<srtp::Context> tx;
        uint32_t rtcp_ssrc = 0;  // the SSRC the SFU sends RTCP from on this transport
        uint64_t max_bps = 0;    // REMB to a publisher
        uint64_t last_remb_us = 0;
        uint8_t rid_ext = 0;     // RTP stream id extension id, when it publishes by rid
        uint8_t level_ext = 0;   // audio level extension id
        uint8_t twcc_ext = 0;    // transport-wide sequence number extension id
        wire::RtpExtMap out_ext;  // its extension ids -> the ids subscribers get
        std::unique_ptr<TwccReceiver> twcc;  // when it sends transport-wide sequence numbers
        uint64_t last_check_us = 0;  // the last valid ICE check (consent)
        std::vector<uint32_t> pubs;  // its publications (indices into pubs_): reports, rid learning
        /// Its known SSRCs and their publications, inline: the packet path finds its stream in
        /// the transport it already touched instead of a global table (many small rooms keep
        /// little of that table in cache).
        static constexpr std::size_t kFastSsrcs = 8;
        std::array<std::pair<uint32_t, uint32_t>, kFastSsrcs> fast_ssrcs{};
        uint8_t n_fast = 0;
        std::unordered_map<uint32_t, uint32_t> subs;  // our outgoing SSRC -> subscription
        TransportInfo stats;
    };
    /// The last packets of a published stream, decrypted, by sequence number.
    struct PacketStore {
        static constexpr std::size_t kSlotBytes = 1280;  // RTP packets WebRTC sends stay below
        explicit PacketStore(uint32_t slots);
        void put(uint16_t seq, const std::byte* p, std::size_t len, uint64_t now_us) noexcept;
        /// The packet `seq` when held and younger than `max_age_us`.
        [[nodiscard]] ByteSpan get(uint16_t seq, uint64_t now_us, uint64_t max_age_us) const noexcept;
        std::vector<std::byte> bytes;
        struct Meta {
            uint16_t seq = 0;
            uint16_t len = 0;
            uint64_t at_us = 0;
        };
        std::vector<Meta> meta;
    };
    /// Where a track's packets go: subscriptions on this lcore and other lcores it is relayed
    /// to. Entries are never erased (publications point at them).
    struct TrackFanout {
        std::vector<uint32_t> subs;  // indices into subs_
        uint64_t relay_lcores = 0;   // bit mask
    };
    static constexpr uint32_t kGone = UINT32_MAX;  // a publication whose transport was removed
    static constexpr uint32_t kRemote = UINT32_MAX - 1;  // published on another lcore, relayed here
    struct Publication {
        uint32_t transport = 0;  // index into transports_ (kGone: removed, kRemote: relayed)
        uint32_t ssrc = 0;
        uint32_t track = 0;
        int layer = 0;
        Codec codec = Codec::Other;
        uint32_t clock_hz = 90000;
        uint64_t last_pli_us = 0;  // when the last keyframe request went
        bool pli_sent = false;     // a keyframe request is outstanding (no keyframe since)
        std::unique_ptr<PacketStore> store;  // video only
        std::string rid;  // simulcast by rid: ssrc stays 0 until learnt
        /// Audio levels of the current interval, for speech start/stop.
        struct Speech {
            uint64_t since_us = 0;
            uint16_t packets = 0;
            uint16_t voiced = 0;
            uint32_t level_sum = 0;  // of the voiced packets
            bool speaking = false;
        } speech;
        /// What we received, for our receiver reports (RFC 3550 §6.4.1, A.3, A.8).
        struct Reception {
            bool started = false;
            uint16_t max_seq = 0;
            uint32_t cycles = 0;
            uint32_t base_seq = 0;
            uint32_t received = 0;
            uint32_t expected_prior = 0;
            uint32_t received_prior = 0;
            uint32_t jitter16 = 0;  // jitter in timestamp units, times 16
            uint32_t last_transit = 0;
            uint32_t last_sr = 0;   // middle 32 bits of the NTP time of its last SR
            uint64_t last_sr_us = 0;
        } rx;
        uint32_t remote_lcore = 0;  // kRemote: the lcore it is published on
        TrackFanout* fanout = nullptr;  // its track's entry in tracks_ (node-stable)
    };
    struct Subscription {
        uint32_t transport = 0;
        uint32_t track = 0;
        uint32_t out_ssrc = 0;
        uint8_t out_pt = 0;
        LayerSwitch layers;
        StreamRewriter rewriter;
        /// What each sent sequence number carried, to rebuild it for a NACK.
        struct SentRef {
            uint32_t pub = 0;
            uint32_t out_ts = 0;
            uint32_t abs = 0;  // the abs-send-time it carried: a resend must be the same bytes
            uint16_t in_seq = 0;
            bool valid = false;
        };
        RetransmitCache<SentRef> sent;
        uint32_t packets = 0;  // sent, for our sender reports
        uint32_t octets = 0;
        uint32_t rtx_ssrc = 0;  // RFC 4588 retransmissions, when negotiated
        uint8_t rtx_pt = 0;
        uint16_t rtx_seq = 0;
        Subscription(uint32_t clock_hz, uint32_t slots) : rewriter(clock_hz), sent(slots) {}
    };

    Outcome on_stun(ByteSpan msg, const wire::Endpoint& peer, const wire::Endpoint& local,
                    const wire::MacAddr& mac, uint64_t now_us) noexcept;
    /// `moved`: the valid path it came on when that is not the selected one; authenticated, the
    /// packet selects it.
    Outcome on_rtp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                   const Transport::Path* moved) noexcept;
    Outcome on_rtcp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                    const Transport::Path* moved) noexcept;
    void forward(uint32_t pub_index, const std::byte* rtp, std::size_t len, uint16_t seq, uint32_t ts,
                 bool keyframe, uint64_t now_us) noexcept;
    /// A packet waiting for its deferred tag, and where it goes.
    struct PendingSend {
        MediaSink::Buf buf;
        std::size_t len = 0;
        wire::MacAddr mac;
        wire::Endpoint local, remote;
    };
    void tag_done(void* token) noexcept override;
    /// Encrypts a rewritten copy of `rtp` for subscription `s` and sends it.
    /// `abs`: its abs-send-time (the same as the first time for a resend under the same index).
    bool send_to(Subscription& s, const std::byte* rtp, std::size_t len, uint16_t out_seq, uint32_t out_ts,
                 uint32_t abs) noexcept;
    void retransmit(Subscription& s, uint16_t out_seq, uint64_t now_us) noexcept;
    /// The NACKed packet `out_seq` as an RTX packet: own SSRC and numbering, OSN before the payload.
    bool send_rtx(Subscription& s, const std::byte* rtp, std::size_t len, uint16_t out_seq, uint32_t out_ts,
                  uint32_t abs) noexcept;
    void request_keyframe(uint32_t track, int layer, uint64_t now_us) noexcept;
    /// Encrypts the RTCP packet `plain` for transport `t` and sends it to its remote.
    bool send_rtcp(Transport& t, ByteSpan plain) noexcept;
    void note_twcc(Transport& t, const wire::RtpView& v, uint64_t now_us) noexcept;
    /// transport-cc feedback for every sequence number from `next` to the highest seen.
    void send_twcc(Transport& t, uint64_t now_us) noexcept;
    void note_level(Transport& t, Publication& pub, const wire::RtpView& v, uint64_t now_us) noexcept;
    void judge_speech(const Transport& t, Publication& pub, uint64_t now_us) noexcept;
    /// The relayed publication of (track, layer) on this lcore, or UINT32_MAX.
    [[nodiscard]] uint32_t remote_publication(uint32_t track, int layer) const noexcept;
    /// Hands a local publication's packet (or sender report) to the lcores with subscribers of it.
    void relay_out(const Publication& pub, const Relayed& r, ByteSpan rtp) noexcept;
    void send_pli(Publication& pub, uint64_t now_us) noexcept;
    /// RR for the publisher's streams (loss, jitter, LSR/DLSR) and REMB with its budget.
    void send_receiver_report(Transport& t, uint64_t now_us) noexcept;
    /// A publisher's SR, translated for each subscriber currently receiving that stream.
    void relay_sender_report(const Publication& pub, uint64_t ntp, uint32_t rtp_ts, uint64_t now_us) noexcept;
    static void note_reception(Publication::Reception& r, uint16_t seq, uint32_t ts, uint32_t clock_hz,
                               uint64_t now_us) noexcept;
    /// An unknown SSRC on a transport that publishes by rid: binds it to the layer its rid names.
    bool learn_ssrc(Transport& t, const wire::RtpView& v) noexcept;
    /// Records that `ssrc` on `t` is publication `pi` (the global table and the inline one).
    void bind_ssrc(Transport& t, uint32_t ssrc, uint32_t pi);
    /// The connected transport with a valid path from `peer`, and that path.
    Transport* by_remote(const wire::Endpoint& peer, const Transport::Path*& path) noexcept;
    /// Records a valid check of transport `slot` from `remote` (a new path evicts the oldest
    /// unselected one).
    void note_path(uint32_t slot, const Transport::Path& path);
    /// Makes `path` the transport's selected one; tells the control plane when it moved.
    void select_path(Transport& t, const Transport::Path& path, uint64_t now_us) noexcept;
    void forget_paths(uint32_t slot) noexcept;
    void unindex_remote(uint32_t slot, const wire::Endpoint& remote) noexcept;
    /// Stops answering the credentials a transport had before its last ICE restart.
    void end_prev_credentials(Transport& t) noexcept;
    static uint64_t remote_key(const wire::Endpoint& e) noexcept;
    void count(shm::Counter c, uint64_t n = 1) noexcept { shm::bump(counters_.v[static_cast<std::size_t>(c)], n); }

    uint16_t port_;
    uint16_t port_index_ = 0;
    SfuLimits limits_;
    shm::LcoreCounters& counters_;
    MediaSink& sink_;
    std::vector<std::unique_ptr<Transport>> transports_;  // slot per transport; null = free
    std::unordered_map<uint64_t, uint32_t> by_id_;
    std::unordered_map<std::string, uint32_t> by_ufrag_;
    std::unordered_map<uint16_t, uint32_t> by_port_;  // transports' own ports -> slots
    uint16_t own_lo_ = 1;  // empty range until set_transport_ports()
    uint16_t own_hi_ = 0;
    std::unordered_multimap<uint64_t, uint32_t> by_remote_;  // hashed remote address -> slots
    std::vector<Publication> pubs_;
    std::unordered_map<uint32_t, uint32_t> pub_by_ssrc_;
    std::unordered_multimap<uint64_t, uint32_t> pubs_by_layer_;  // (track << 32 | layer) -> publications
    std::vector<std::unique_ptr<Subscription>> subs_;
    std::unordered_map<uint32_t, TrackFanout> tracks_;
    uint32_t lcore_ = 0;  // this engine's lcore (for what it relays)
    // Packets waiting for their tags: a ring, since they complete in the order queued.
    static constexpr std::size_t kPending = 256;
    std::array<PendingSend, kPending> pending_{};
    std::size_t pending_head_ = 0;
    std::size_t pending_tail_ = 0;
    bool closing_ = false;  // destroyed: what completes now is discarded
    alignas(64) std::array<std::byte, 512> scratch_{};
    std::size_t reply_len_ = 0;
};

}  // namespace tern::sfu
