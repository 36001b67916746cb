// The control channel schema: fixed-layout messages shared by tern-dataplane and
// tern-controlplane. Any change to a struct here bumps kSchemaVersion; both sides refuse a
// peer with another version at the handshake.
#pragma once

#include <cstdint>
#include <type_traits>

namespace tern::shm {

inline constexpr uint32_t kChannelMagic = 0x4e524554;  // "TERN" little-endian
inline constexpr uint32_t kSchemaVersion = 3;

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
    // events, lcore -> control plane
    Pong = 101,
    // punt ring (lcore -> control plane) and inject ring (control plane -> lcore)
    Packet = 201,
};

/// Commands carry a generation: a restarted control plane bumps it and re-sends its state,
/// and the lcore ignores anything older than what it has applied.
struct PingCmd {
    uint64_t generation;
    uint64_t cookie;
    uint64_t sent_ns;  // CLOCK_MONOTONIC of the sender
};

struct PongEvt {
    uint64_t generation;
    uint64_t cookie;
    uint64_t sent_ns;
    uint32_t lcore;
    uint32_t reserved;
};

enum class PacketReason : uint16_t {
    Unclassified = 0,
    Dtls = 1,
};

/// Header before a frame on the punt and inject rings.
struct PacketMeta {
    uint16_t port;
    PacketReason reason;
    uint32_t frame_len;
};

static_assert(std::is_trivially_copyable_v<PingCmd> && sizeof(PingCmd) == 24);
static_assert(std::is_trivially_copyable_v<PongEvt> && sizeof(PongEvt) == 32);
static_assert(sizeof(HelloReply) == 40);

}  // namespace tern::shm
