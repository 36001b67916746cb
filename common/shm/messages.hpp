// The control channel schema: fixed-layout messages shared by tern-dataplane and
// tern-controlplane. Any change to a struct's layout here bumps kSchemaVersion; both sides
// refuse a peer with another version at the handshake.
//
// Each ring message struct names its MsgType (kType): RingProducer::try_push(msg) and
// decode<T>() / decode_framed<T>() (spsc_ring.hpp) take the type from the struct, so a
// struct never travels under another type's number.
#pragma once

#include <cstdint>
#include <type_traits>

namespace tern::shm {

inline constexpr uint32_t kChannelMagic = 0x4e524554;  // "TERN" little-endian
inline constexpr uint32_t kSchemaVersion = 18;

// ---- unix socket handshake ------------------------------------------------------------

struct Hello {
    uint32_t magic;
    uint32_t schema;
    uint32_t pid;
    uint32_t reserved;
};

enum class HelloStatus : int32_t {
    Ok = 0,
    SchemaMismatch = 1,
    Busy = 2,  // another control plane holds the channel
};

/// Sent by the data plane with the memfd attached (SCM_RIGHTS) when status is Ok.
struct HelloReply {
    uint32_t magic;
    uint32_t schema;
    HelloStatus status;
    uint32_t n_workers;
    uint64_t region_size;
    uint64_t instance_id;  // changes on every data plane start
    uint32_t dp_pid;
    uint32_t reserved;
};

// ---- ring messages ------------------------------------------------------------------------

enum class MsgType : uint16_t {
    // commands, control plane -> lcore
    Ping = 1,
    TurnList = 2,
    SfuTransport = 3,     // create a WebRTC transport (ICE credentials); again: ICE restart
    SfuKeys = 4,          // install its SRTP keys (from DTLS)
    SfuPublication = 5,   // an incoming stream (one layer of a track)
    SfuSubscription = 6,  // a track sent out on a transport
    SfuRemove = 7,        // remove a transport and everything on it
    SfuLayer = 8,         // choose a subscription's simulcast layer
    SfuRelay = 9,         // rooms larger than one lcore: a track's packets to another worker
    SfuTransportCc = 10,  // a subscriber negotiated transport-cc: estimate its bandwidth
    // events, lcore -> control plane
    Pong = 101,
    TurnAllocation = 102,
    TurnListDone = 103,
    SfuTransportUp = 104,    // a transport's remote address was chosen by ICE (or changed)
    SfuTransportDown = 105,  // consent expired (RFC 7675): no valid check for consent_timeout
    SfuSpeaking = 106,       // a published audio track started or stopped carrying speech
    SfuEstimate = 107,       // a subscriber transport's bandwidth estimate moved
    // punt ring (lcore -> control plane) and inject ring (control plane -> lcore)
    Packet = 201,
    TurnStreamData = 202,   // both directions: one framed STUN message or ChannelData
    TurnStreamClose = 203,  // inject: the TCP/TLS connection is gone; free its allocation
    TurnStreamReset = 204,  // inject: a (re)started control plane holds no connections
    SfuDatagram = 205,      // both directions: a DTLS datagram of an SFU transport
};

/// Commands carry a generation: a restarted control plane bumps it and re-sends its state,
/// and the lcore ignores anything older than what it has applied.
class GenerationGate {
public:
    /// True when `g` is at least the newest generation seen (which it then becomes).
    bool admit(uint64_t g) noexcept {
        if (g < newest_) {
            return false;
        }
        newest_ = g;
        return true;
    }
    [[nodiscard]] uint64_t newest() const noexcept { return newest_; }

private:
    uint64_t newest_ = 0;
};

/// The generation a control plane uses after attaching: above its previous one and, being the
/// wall clock in microseconds, above any an earlier control plane process could have used.
inline uint64_t next_generation(uint64_t previous, uint64_t wall_us) noexcept {
    return previous + 1 > wall_us ? previous + 1 : wall_us;
}

struct PingCmd {
    static constexpr MsgType kType = MsgType::Ping;
    uint64_t generation;
    uint64_t cookie;
    uint64_t sent_ns;  // CLOCK_MONOTONIC of the sender
};

struct PongEvt {
    static constexpr MsgType kType = MsgType::Pong;
    uint64_t
        generation;  // the newest the lcore has seen (larger than the ping's: a clock stepped back)
    uint64_t cookie;
    uint64_t sent_ns;
    uint32_t lcore;
    uint32_t reserved;
};

/// Asks a worker to report its TURN allocations (a TurnAllocationEvt each, then TurnListDoneEvt).
struct TurnListCmd {
    static constexpr MsgType kType = MsgType::TurnList;
    uint64_t generation;
    uint64_t request_id;
};

struct TurnAllocationEvt {
    static constexpr MsgType kType = MsgType::TurnAllocation;
    uint64_t request_id;
    uint32_t worker;
    uint16_t port_index;
    uint8_t client_is_v6;
    uint8_t reserved;
    uint8_t client_ip[16];  // IPv4 in the first four bytes, network order
    uint8_t relay_ip[16];
    uint16_t client_port;
    uint16_t relay_port;
    uint32_t lifetime_left_s;
    uint16_t permissions;
    uint16_t channels;
    uint32_t reserved2;
    uint64_t to_peer_packets;
    uint64_t to_peer_bytes;
    uint64_t to_client_packets;
    uint64_t to_client_bytes;
    char username[64];  // truncated, NUL-padded
};

struct TurnListDoneEvt {
    static constexpr MsgType kType = MsgType::TurnListDone;
    uint64_t request_id;
    uint32_t worker;
    uint32_t count;
};

enum class PacketReason : uint16_t {
    Unclassified = 0,
    Dtls = 1,
};

/// Header before a frame on the punt and inject rings.
struct PacketMeta {
    static constexpr MsgType kType = MsgType::Packet;
    [[nodiscard]] uint32_t body_len() const noexcept { return frame_len; }
    uint16_t port;
    PacketReason reason;
    uint32_t frame_len;
};

enum class StreamTransport : uint8_t {
    Tcp = 1,
    Tls = 2,
};

/// Header before one message of a TURN client connection over TCP or TLS (RFC 8656 §3.1),
/// which the control plane terminates and frames. Inject: a STUN message or ChannelData from
/// the client (ChannelData without its TCP padding). Punt: what to write to the connection
/// (ChannelData padded to four bytes). The data plane treats `conn` as part of the 5-tuple.
struct StreamMeta {
    static constexpr MsgType kType = MsgType::TurnStreamData;
    [[nodiscard]] uint32_t body_len() const noexcept { return len; }
    uint64_t conn;  // the control plane's connection id; never 0
    uint16_t port;  // data plane port index whose address the client connected to
    StreamTransport transport;
    uint8_t is_v6;
    uint16_t client_port;
    uint16_t server_port;
    uint8_t client_ip[16];  // IPv4 in the first four bytes, network order
    uint8_t server_ip[16];
    uint32_t len;  // bytes following this header
    uint32_t reserved;
};

/// Inject: the TCP/TLS connection is gone (TurnStreamClose), the same header without a body.
/// (TurnStreamReset has no payload at all.)
struct StreamCloseMeta : StreamMeta {
    static constexpr MsgType kType = MsgType::TurnStreamClose;
};

/// SFU commands carry the transport id the control plane chose; the worker owning it is
/// `id % n_workers`, and its media port is PortPlan::media_port(worker).
struct SfuTransportCmd {
    static constexpr MsgType kType = MsgType::SfuTransport;
    uint64_t generation;
    uint64_t id;
    uint16_t port;  // data plane port index
    uint8_t ufrag_len;
    uint8_t pwd_len;
    uint32_t max_kbps;  // what a publisher may send in all (REMB); 0 = no REMB
    uint16_t udp_port;  // its own UDP port (services.transport_ports), 0: the worker's media port
    uint16_t reserved[3];
    char ufrag[64];
    char pwd[128];
};

struct SfuKeysCmd {
    static constexpr MsgType kType = MsgType::SfuKeys;
    uint64_t generation;
    uint64_t id;
    uint8_t suite;  // srtp::Suite
    uint8_t reserved[7];
    uint8_t rx_key[32];  // what the remote sends us
    uint8_t rx_salt[14];
    uint8_t tx_key[32];  // what we send the remote
    uint8_t tx_salt[14];
    uint8_t reserved2[4];
};

/// ssrc 0 with a rid: a simulcast layer whose SSRC the data plane learns from the RTP stream id
/// header extension (RFC 8852) with id `rid_ext`.
struct SfuPublicationCmd {
    static constexpr MsgType kType = MsgType::SfuPublication;
    uint64_t generation;
    uint64_t id;
    uint32_t ssrc;
    uint32_t track;
    int32_t layer;
    uint32_t clock_hz;
    uint8_t codec;  // sfu::Codec
    uint8_t rid_ext;
    uint8_t rid_len;
    uint8_t twcc_ext;     // transport-wide sequence number extension id on this transport (0: none)
    uint8_t level_ext;    // audio level extension id (RFC 6464) on this transport (0: none)
    uint8_t from_worker;  // non-zero: published on worker from_worker - 1, relayed here (id unused)
    uint8_t cvo_ext;      // video orientation extension id (3GPP CVO) on this transport (0: none)
    uint8_t capture_ext;  // absolute capture time extension id on this transport (0: none)
    char rid[16];
};

struct SfuLayerCmd {
    static constexpr MsgType kType = MsgType::SfuLayer;
    uint64_t generation;
    uint64_t id;
    uint32_t out_ssrc;
    int32_t layer;     // -1 pauses
    int32_t temporal;  // the highest temporal layer sent (VP8); -1 or 3: all
};

/// rtx_ssrc non-zero: retransmissions go as RFC 4588 RTX (that SSRC, payload type rtx_pt).
struct SfuSubscriptionCmd {
    static constexpr MsgType kType = MsgType::SfuSubscription;
    uint64_t generation;
    uint64_t id;
    uint32_t track;
    uint32_t out_ssrc;
    int32_t target_layer;
    uint8_t out_pt;
    uint8_t rtx_pt;
    uint8_t screen;  // 1: a screen share (layer selection: its cap, served before cameras)
    uint8_t reserved[1];
    uint32_t rtx_ssrc;
    uint32_t reserved2;
};

/// To the publisher's worker: hand (on) or stop handing (off) track `track`'s packets to
/// worker `to_worker`, where subscribers of it live.
struct SfuRelayCmd {
    static constexpr MsgType kType = MsgType::SfuRelay;
    uint64_t generation;
    uint32_t track;
    uint32_t to_worker;
    uint8_t on;
    uint8_t reserved[7];
};

/// The subscriber on transport `id` answered with transport-cc (extension and feedback): what
/// it is sent carries transport-wide sequence numbers, its feedback drives a bandwidth estimate.
struct SfuTransportCcCmd {
    static constexpr MsgType kType = MsgType::SfuTransportCc;
    uint64_t generation;
    uint64_t id;
};

struct SfuRemoveCmd {
    static constexpr MsgType kType = MsgType::SfuRemove;
    uint64_t generation;
    uint64_t id;
};

/// Header before a datagram of an SFU transport. Punt: what its remote sent (DTLS; the
/// transport's remote address is known to the data plane only). Inject: what to send it, from
/// the media port it uses (directly, or through the TURN allocation it reaches us by).
struct SfuDatagramMeta {
    static constexpr MsgType kType = MsgType::SfuDatagram;
    [[nodiscard]] uint32_t body_len() const noexcept { return len; }
    uint64_t id;
    uint32_t len;  // bytes following this header
    uint32_t reserved;
};

struct SfuSpeakingEvt {
    static constexpr MsgType kType = MsgType::SfuSpeaking;
    uint64_t id;  // the publisher's transport
    uint32_t track;
    uint8_t speaking;
    uint8_t level;  // mean -dBov of the voiced packets that decided it (127: none)
    uint16_t reserved;
};

/// The bandwidth estimate towards a subscriber transport (SfuTransportCcCmd) and what layer
/// selection made of it, sent when either moved, at most once a second per transport.
struct SfuEstimateEvt {
    static constexpr MsgType kType = MsgType::SfuEstimate;
    uint64_t id;
    uint64_t bps;
    uint64_t budget_bps;  // what layer selection last allocated (0: it has not run)
    uint64_t layers_bps;  // what the layers it chose and the audio reserve need
    uint8_t videos;       // video subscriptions on the transport
    uint8_t paused;       // of them, paused by layer selection
    int8_t spatial;       // the first video's chosen layer (-1: paused)
    int8_t flowing;       // the layer it is sent now (-1: none, waiting for a keyframe)
    uint8_t temporal;     // the first video's chosen temporal layers
    uint8_t probing;      // a probe cluster is being sent or judged
    uint16_t reserved;
    uint32_t layer_bps[3];  // the first video's layers as measured, all temporal layers (0: none)
    uint32_t reserved2;
};

/// ICE chose (or moved) the transport's remote address.
struct SfuTransportUpEvt {
    static constexpr MsgType kType = MsgType::SfuTransportUp;
    uint64_t id;
    uint8_t is_v6;
    uint8_t reserved;
    uint16_t remote_port;
    uint32_t reserved2;
    uint8_t remote_ip[16];  // IPv4 in the first four bytes, network order
};

/// Consent expired: the address the transport last had.
struct SfuTransportDownEvt : SfuTransportUpEvt {
    static constexpr MsgType kType = MsgType::SfuTransportDown;
};

static_assert(sizeof(SfuTransportCmd) <= 248 && sizeof(SfuKeysCmd) <= 248);

static_assert(std::is_trivially_copyable_v<PingCmd> && sizeof(PingCmd) == 24);
static_assert(std::is_trivially_copyable_v<PongEvt> && sizeof(PongEvt) == 32);
static_assert(sizeof(HelloReply) == 40);
static_assert(std::is_trivially_copyable_v<StreamMeta> && sizeof(StreamMeta) == 56);
static_assert(std::is_trivially_copyable_v<TurnAllocationEvt> && sizeof(TurnAllocationEvt) <= 248);
static_assert(sizeof(StreamCloseMeta) == sizeof(StreamMeta) &&
              sizeof(SfuTransportDownEvt) == sizeof(SfuTransportUpEvt));

}  // namespace tern::shm
