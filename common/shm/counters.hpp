// Data plane counters as laid out in the shared region. Each lcore writes only its own block
// with relaxed load+store (no read-modify-write); readers sum with relaxed loads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace tern::shm {

enum class Counter : uint16_t {
    RxPackets,
    RxBytes,
    TxPackets,
    TxBytes,
    ArpRequestsAnswered,
    ArpRepliesLearned,
    ArpRequestsSent,
    NdSolicitationsAnswered,
    NdAdvertisementsLearned,
    NdSolicitationsSent,
    Icmp4EchoAnswered,
    Icmp6EchoAnswered,
    StunBindingAnswered,
    StunErrorsSent,
    PuntedToKernel,
    FromKernel,
    TurnAllocationsCreated,
    TurnAllocationsExpired,
    TurnAllocationsDeleted,
    TurnPermissionsCreated,
    TurnChannelsBound,
    TurnToPeerPackets,
    TurnToPeerBytes,
    TurnToClientPackets,
    TurnToClientBytes,
    TurnErrorsSent,
    TurnAuthFailures,
    TurnRateLimited,
    TurnQuotaRefusals,
    TurnDeniedPeer,
    TurnDropNoAllocation,
    TurnDropNoPermission,
    TurnDropBandwidth,
    TurnDropUnresolved,
    TurnDropMalformed,
    TurnHairpinPackets,
    TurnStreamIn,
    TurnStreamOut,
    TurnStreamClosed,
    TurnStreamPuntFull,
    SfuStunAnswered,
    SfuStunRejected,
    SfuRtpIn,
    SfuRtpOut,
    SfuRtcpIn,
    SfuNackResent,
    SfuPliSent,
    SfuRembSent,
    SfuReportsSent,
    SfuConsentExpired,
    SfuSsrcLearned,
    SfuTwccSent,
    SfuSpeakingChanges,
    SfuRelayed,
    SfuRelayDropped,
    HandoffOut,
    HandoffIn,
    HandoffDropped,
    StaleCommands,
    SfuDropSrtp,
    SfuDropUnknown,
    SfuDtlsPunted,
    SfuTurnHandoff,
    SfuCommandsRefused,
    SfuPathMoves,
    SfuLayerUp,
    SfuLayerDown,
    SfuProbes,
    SfuPaddingIn,
    CommandsApplied,
    EventsDropped,
    LoopIterations,
    BusyCycles,
    IdleCycles,
    IdleSleeps,
    // drops, by reason
    DropEthernet,
    DropArp,
    DropIpv4Header,
    DropIpv4Checksum,
    DropIpv4Fragment,
    DropIpv6Header,
    DropIpv6Fragment,
    DropIcmp,
    DropNd,
    DropUdpHeader,
    DropUdpChecksum,
    DropStunMalformed,
    DropStunNotRequest,
    DropNotLocal,
    DropTxFull,
    DropKernelQueueFull,
    DropNoMbuf,
    Count  // the number of counters, not a counter
};

inline constexpr std::size_t kCounterCount = static_cast<std::size_t>(Counter::Count);

inline constexpr std::array<std::string_view, kCounterCount> kCounterNames = {
    "rx_packets",
    "rx_bytes",
    "tx_packets",
    "tx_bytes",
    "arp_requests_answered",
    "arp_replies_learned",
    "arp_requests_sent",
    "nd_solicitations_answered",
    "nd_advertisements_learned",
    "nd_solicitations_sent",
    "icmp4_echo_answered",
    "icmp6_echo_answered",
    "stun_binding_answered",
    "stun_errors_sent",
    "punted_to_kernel",
    "from_kernel",
    "turn_allocations_created",
    "turn_allocations_expired",
    "turn_allocations_deleted",
    "turn_permissions_created",
    "turn_channels_bound",
    "turn_to_peer_packets",
    "turn_to_peer_bytes",
    "turn_to_client_packets",
    "turn_to_client_bytes",
    "turn_errors_sent",
    "turn_auth_failures",
    "turn_rate_limited",
    "turn_quota_refusals",
    "turn_denied_peer",
    "turn_drop_no_allocation",
    "turn_drop_no_permission",
    "turn_drop_bandwidth",
    "turn_drop_unresolved",
    "turn_drop_malformed",
    "turn_hairpin_packets",
    "turn_stream_in",
    "turn_stream_out",
    "turn_stream_closed",
    "turn_stream_punt_full",
    "sfu_stun_answered",
    "sfu_stun_rejected",
    "sfu_rtp_in",
    "sfu_rtp_out",
    "sfu_rtcp_in",
    "sfu_nack_resent",
    "sfu_pli_sent",
    "sfu_remb_sent",
    "sfu_reports_sent",
    "sfu_consent_expired",
    "sfu_ssrc_learned",
    "sfu_twcc_sent",
    "sfu_speaking_changes",
    "sfu_relayed",
    "sfu_relay_dropped",
    "handoff_out",
    "handoff_in",
    "handoff_dropped",
    "stale_commands",
    "sfu_drop_srtp",
    "sfu_drop_unknown",
    "sfu_dtls_punted",
    "sfu_turn_handoff",
    "sfu_commands_refused",
    "sfu_path_moves",
    "sfu_layer_up",
    "sfu_layer_down",
    "sfu_probes",
    "sfu_padding_in",
    "commands_applied",
    "events_dropped",
    "loop_iterations",
    "busy_cycles",
    "idle_cycles",
    "idle_sleeps",
    "drop_ethernet",
    "drop_arp",
    "drop_ipv4_header",
    "drop_ipv4_checksum",
    "drop_ipv4_fragment",
    "drop_ipv6_header",
    "drop_ipv6_fragment",
    "drop_icmp",
    "drop_nd",
    "drop_udp_header",
    "drop_udp_checksum",
    "drop_stun_malformed",
    "drop_stun_not_request",
    "drop_not_local",
    "drop_tx_full",
    "drop_kernel_queue_full",
    "drop_no_mbuf",
};

inline constexpr std::size_t kMaxPorts = 8;

/// Software counters of one (port, queue) pair; the queue is the owning lcore's.
struct QueueCounters {
    std::atomic<uint64_t> rx_packets;
    std::atomic<uint64_t> rx_bytes;
    std::atomic<uint64_t> tx_packets;
    std::atomic<uint64_t> tx_bytes;
    std::atomic<uint64_t> tx_dropped;
};

struct alignas(64) LcoreCounters {
    std::array<std::atomic<uint64_t>, kCounterCount> v;
    std::array<QueueCounters, kMaxPorts> queue;
    std::atomic<uint64_t> heartbeat_tsc;  // last loop iteration, for liveness display
};

/// Hardware/PMD counters of a port, refreshed by the main lcore about once a second.
struct alignas(64) PortCounters {
    char name[32];
    uint16_t queues;
    std::atomic<uint64_t> ipackets;
    std::atomic<uint64_t> opackets;
    std::atomic<uint64_t> ibytes;
    std::atomic<uint64_t> obytes;
    std::atomic<uint64_t> imissed;
    std::atomic<uint64_t> ierrors;
    std::atomic<uint64_t> oerrors;
    std::atomic<uint64_t> rx_nombuf;
};

/// The one writer's increment: plain load and store, no locked instruction.
inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace tern::shm
