// The TURN server of one lcore (RFC 8656 over UDP): authenticates requests (TurnAuth, in
// turn_auth.hpp), manages allocations, permissions and channels, and tells the host stack what to
// send for each packet.
//
// It never builds frames itself: it returns a TurnAction and the Stack writes the headers, so
// relayed data stays where it arrived in the mbuf.
#pragma once

#include "common/config.hpp"
#include "common/crypto/hmac.hpp"
#include "common/port_plan.hpp"
#include "common/shm/counters.hpp"
#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "dataplane/turn/allocation_table.hpp"
#include "dataplane/turn/peer_policy.hpp"
#include "dataplane/turn/turn_auth.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace tern::dp {

struct TurnAction {
    enum class Kind : uint8_t {
        None,                // dropped or consumed (counted)
        Reply,               // a STUN response in reply() to the client, from `src` to `dst`
        ToPeer,              // `data` from relay `src` to peer `dst`
        ToClientChannel,     // `data` as ChannelData `channel` from `src` to client `dst`
        ToClientIndication,  // `data` as a Data indication from `xor_peer`, `src` to `dst`
    };
    Kind kind = Kind::None;
    ByteSpan data;
    wire::Endpoint src;
    wire::Endpoint dst;
    wire::MacAddr dst_mac;  // for client-bound traffic: the MAC the client's packets came from
    uint16_t channel = 0;
    wire::Endpoint xor_peer;
    std::optional<wire::Endpoint> resolve_hint;  // a peer that will get data soon
    std::optional<uint64_t> data_sum;            // ones'-complement sum of `data`, when known
    uint64_t stream = 0;  // client-bound: 0 = UDP, else the TCP/TLS connection to write it to
};

class TurnServer {
public:
    /// Shares the port range among `n_workers`; worker `index` owns one slice.
    /// `nonce_secret` is shared by all workers of the process, so a nonce from one is valid on all.
    TurnServer(const TurnConfig& cfg, const PeerPolicy& policy, uint32_t index, uint32_t n_workers,
               shm::LcoreCounters& counters, uint64_t start_unix_s, ByteSpan nonce_secret);

    /// A STUN message or ChannelData from a client to the TURN port.
    /// `payload_sum`, when given, is a ones'-complement accumulator of `payload` (derived from the
    /// UDP checksum by the stack, unfolded like checksum_add's); relayed actions then carry one
    /// for their data in `data_sum`.
    /// `stream` is 0 for UDP, else the id of the TCP/TLS connection the message came on.
    TurnAction on_client(ByteSpan payload, const wire::Endpoint& client,
                         const wire::Endpoint& server, const wire::MacAddr& client_mac,
                         uint64_t now_s, std::optional<uint64_t> payload_sum = std::nullopt,
                         uint64_t stream = 0) noexcept;

    /// A client's TCP/TLS connection closed: its allocation goes with it.
    void close_stream(uint64_t stream, const wire::Endpoint& client,
                      const wire::Endpoint& server) noexcept;
    /// The control plane holding the connections restarted: frees every connection's allocation.
    uint32_t reset_streams() noexcept;

    /// A datagram from a peer to one of this lcore's relay ports.
    TurnAction on_peer(ByteSpan payload, const wire::Endpoint& peer, const wire::Endpoint& relay,
                       uint64_t now_s, std::optional<uint64_t> payload_sum = std::nullopt) noexcept;

    [[nodiscard]] bool owns_relay_port(uint16_t port) const noexcept {
        return table_.owns_port(port);
    }
    /// The worker whose slice of the relay range holds `port`, or UINT32_MAX.
    [[nodiscard]] uint32_t relay_port_owner(uint16_t port) const noexcept;
    /// A peer that is one of our own relayed addresses (relay-to-relay).
    [[nodiscard]] bool is_hairpin(const wire::Endpoint& peer) const noexcept;
    /// The ports around this server: relay ports only until the SFU is on beside it; then its
    /// media and transport ports on our addresses are valid peers too (clients reach the SFU
    /// through TURN). The relay ports and the worker count must stay those it was made with.
    void set_port_plan(const PortPlan& plan) noexcept { plan_ = plan; }
    [[nodiscard]] const TurnConfig& config() const noexcept { return cfg_; }
    [[nodiscard]] bool is_local_media(const wire::Endpoint& peer) const noexcept;
    [[nodiscard]] ByteSpan reply() const noexcept { return ByteSpan{scratch_}.first(reply_len_); }

    /// Expires allocations; call about once a second.
    void tick(uint64_t now_s) noexcept;

    [[nodiscard]] const AllocationTable& allocations() const noexcept { return table_; }
    AllocationTable& allocations_for_test() noexcept { return table_; }

private:
    // `idx` is the client's allocation (kNoAllocation when it has none), looked up once per packet.
    TurnAction handle_request(const wire::stun::Message& m, const wire::Endpoint& client,
                              const wire::Endpoint& server, const wire::MacAddr& mac, uint32_t idx,
                              uint64_t now_s) noexcept;
    TurnAction handle_send(const wire::stun::Message& m, uint32_t idx, uint64_t now_s) noexcept;
    TurnAction handle_channel_data(ByteSpan payload, uint32_t idx, uint64_t now_s,
                                   std::optional<uint64_t> payload_sum) noexcept;
    /// The common end of Send indications and ChannelData: rate check, then `act` relays to
    /// `peer`. Fills the caller's action (no copy on the packet path); false when dropped.
    bool to_peer(TurnAction& act, Allocation& a, ByteSpan data, const wire::Endpoint& peer,
                 uint64_t now_s) noexcept;
    bool peer_allowed(const wire::Endpoint& peer) const noexcept;
    bool within_rate(uint64_t& bucket, uint64_t& stamp, std::size_t bytes,
                     uint64_t now_s) const noexcept;

    TurnAction reply_error(const wire::stun::Message& m, const wire::Endpoint& client,
                           const wire::Endpoint& server, uint16_t code, const char* reason,
                           const turn::LongTermKey* key, bool with_nonce, uint64_t now_s) noexcept;
    TurnAction finish_reply(wire::stun::Builder& b, const wire::Endpoint& client,
                            const wire::Endpoint& server, const turn::LongTermKey* key) noexcept;
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }

    const TurnConfig& cfg_;
    PortPlan plan_;
    const PeerPolicy& policy_;
    shm::LcoreCounters& counters_;
    AllocationTable table_;
    TurnAuth auth_;
    uint64_t stream_ = 0;  // the connection of the request being handled (0 = UDP)
    alignas(64) std::array<std::byte, 1500> scratch_{};
    std::size_t reply_len_ = 0;
};

}  // namespace tern::dp
