#include "dataplane/turn/turn_server.hpp"

#include "common/wire/checksum.hpp"
#include "common/wire/turn/channel_data.hpp"

#include <algorithm>
#include <cstring>

namespace tern::dp {

using shm::Counter;
namespace stun = wire::stun;
namespace attr = wire::stun::attr;
namespace err = wire::stun::error;

namespace {

constexpr uint8_t kTransportUdp = 17;

std::string_view text(ByteSpan s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

bool same_family(const wire::Endpoint& a, const wire::Endpoint& b) {
    return a.is_v6 == b.is_v6;
}

/// Attributes TURN requests may carry that we understand (§18 plus STUN's own).
bool known_turn_attribute(uint16_t t) {
    switch (t) {
    case attr::kUsername:
    case attr::kMessageIntegrity:
    case attr::kMessageIntegritySha256:
    case attr::kRealm:
    case attr::kNonce:
    case attr::kChannelNumber:
    case attr::kLifetime:
    case attr::kXorPeerAddress:
    case attr::kData:
    case attr::kRequestedAddressFamily:
    case attr::kEvenPort:
    case attr::kRequestedTransport:
    case attr::kDontFragment:
    case attr::kReservationToken:
    case attr::kPasswordAlgorithm:
    case attr::kUserhash: return true;
    default: return false;
    }
}

}  // namespace

TurnServer::TurnServer(const TurnConfig& cfg, const PeerPolicy& policy, uint32_t index,
                       uint32_t n_workers, shm::LcoreCounters& counters, uint64_t start_unix_s,
                       ByteSpan nonce_secret)
    : cfg_(cfg), plan_(PortPlan::relay_only(cfg, n_workers)), policy_(policy), counters_(counters),
      table_(cfg.max_allocations, plan_.relay_slice(index)),
      auth_(cfg, start_unix_s, nonce_secret) {}

// ---- replies ----------------------------------------------------------------------------------

TurnAction TurnServer::finish_reply(stun::Builder& b, const wire::Endpoint& client,
                                    const wire::Endpoint& server,
                                    const turn::LongTermKey* key) noexcept {
    if (key != nullptr) {
        b.add_message_integrity(crypto::HmacSha1Key{as_bytes(key->data(), key->size())});
    }
    b.add_fingerprint();
    auto n = b.finish();
    if (!n) {
        return {};
    }
    reply_len_ = *n;
    TurnAction act;
    act.kind = TurnAction::Kind::Reply;
    act.src = server;
    act.dst = client;
    return act;
}

TurnAction TurnServer::reply_error(const stun::Message& m, const wire::Endpoint& client,
                                   const wire::Endpoint& server, uint16_t code, const char* reason,
                                   const turn::LongTermKey* key, bool with_nonce,
                                   uint64_t now_s) noexcept {
    count(Counter::TurnErrorsSent);
    stun::Builder b{scratch_, stun::message_type(m.method(), stun::Class::Error),
                    m.transaction_id()};
    b.add_error_code(code, reason);
    if (with_nonce) {
        char nonce[32];
        auth_.make_nonce(client, now_s, nonce);
        b.add_string(attr::kRealm, cfg_.realm).add(attr::kNonce, as_bytes(nonce, sizeof nonce));
    }
    return finish_reply(b, client, server, key);
}

// ---- client side ------------------------------------------------------------------------------

TurnAction TurnServer::on_client(ByteSpan payload, const wire::Endpoint& client,
                                 const wire::Endpoint& server, const wire::MacAddr& client_mac,
                                 uint64_t now_s, std::optional<uint64_t> payload_sum,
                                 uint64_t stream) noexcept {
    // One 5-tuple lookup per packet, shared by every handler below.
    const uint32_t idx = table_.find(client, server, stream);
    if (idx != kNoAllocation) {
        table_.at(idx).client_mac = client_mac;  // follows a client whose router changed
    }
    if (wire::turn::looks_like_channel_data(payload)) {
        return handle_channel_data(payload, idx, now_s, payload_sum);
    }
    auto m = stun::Message::parse(payload);
    if (!m) {
        count(Counter::TurnDropMalformed);
        return {};
    }
    if (m->cls() == stun::Class::Indication && m->method() == stun::method::kSend) {
        return handle_send(*m, idx, now_s);
    }
    if (m->cls() != stun::Class::Request) {
        count(Counter::TurnDropMalformed);
        return {};
    }
    stream_ = stream;
    TurnAction act = handle_request(*m, client, server, client_mac, idx, now_s);
    act.stream = stream;  // the answer goes back the way the request came
    return act;
}

void TurnServer::close_stream(uint64_t stream, const wire::Endpoint& client,
                              const wire::Endpoint& server) noexcept {
    const uint32_t idx = table_.find(client, server, stream);
    if (idx != kNoAllocation) {
        table_.release(idx);  // §3.1: an allocation over TCP ends with its connection
        count(Counter::TurnAllocationsDeleted);
    }
}

uint32_t TurnServer::reset_streams() noexcept {
    uint32_t n = 0;
    for (uint32_t i = 0; i < table_.capacity(); ++i) {
        if (table_.at(i).in_use && table_.at(i).stream != 0) {
            table_.release(i);
            ++n;
        }
    }
    count(Counter::TurnAllocationsDeleted, n);
    return n;
}

TurnAction TurnServer::handle_request(const stun::Message& m, const wire::Endpoint& client,
                                      const wire::Endpoint& server, const wire::MacAddr& mac,
                                      uint32_t idx, uint64_t now_s) noexcept {
    const uint16_t method = m.method();
    if (method != stun::method::kAllocate && method != stun::method::kRefresh &&
        method != stun::method::kCreatePermission && method != stun::method::kChannelBind) {
        return reply_error(m, client, server, err::kBadRequest, "Bad Request", nullptr, false,
                           now_s);
    }
    if (auth_.rate_limited(client, now_s, false)) {
        count(Counter::TurnRateLimited);
        return {};
    }
    // §5 / RFC 8489 §9.2.4: no MESSAGE-INTEGRITY yet -> 401 with realm and nonce.
    if (!m.find(attr::kMessageIntegrity)) {
        return reply_error(m, client, server, err::kUnauthorized, "Unauthorized", nullptr, true,
                           now_s);
    }
    const std::optional<stun::Attribute> username = m.find(attr::kUsername);
    const std::optional<stun::Attribute> nonce = m.find(attr::kNonce);
    if (!username || !m.find(attr::kRealm) || !nonce) {
        return reply_error(m, client, server, err::kBadRequest, "Bad Request", nullptr, false,
                           now_s);
    }
    if (!auth_.nonce_valid(nonce->value, client, now_s)) {
        return reply_error(m, client, server, err::kStaleNonce, "Stale Nonce", nullptr, true,
                           now_s);
    }
    const TurnAuth::Result auth = auth_.authenticate(m, client, now_s);
    if (!auth.ok) {
        count(Counter::TurnAuthFailures);
        if (auth_.rate_limited(client, now_s, true)) {
            count(Counter::TurnRateLimited);
            return {};
        }
        return reply_error(m, client, server, err::kUnauthorized, "Unauthorized", nullptr, true,
                           now_s);
    }
    const turn::LongTermKey* key = &auth.key;
    std::array<uint16_t, 8> unknown{};
    if (const std::size_t n = m.unknown_required(unknown, known_turn_attribute); n > 0) {
        count(Counter::TurnErrorsSent);
        stun::Builder b{scratch_, stun::message_type(method, stun::Class::Error),
                        m.transaction_id()};
        b.add_error_code(err::kUnknownAttribute, "Unknown Attribute")
            .add_unknown_attributes(std::span{unknown.data(), std::min(n, unknown.size())});
        return finish_reply(b, client, server, key);
    }
    const std::string_view user = text(username->value);

    if (method == stun::method::kAllocate) {
        if (idx != kNoAllocation) {
            Allocation& a = table_.at(idx);
            if (a.allocate_txid != m.transaction_id()) {
                return reply_error(m, client, server, err::kAllocationMismatch,
                                   "Allocation Mismatch", key, false, now_s);
            }
            // A retransmitted Allocate: answer it again (§7.2, "stateless stack approach").
        } else {
            auto transport = m.find(attr::kRequestedTransport);
            if (!transport || transport->value.size() != 4) {
                return reply_error(m, client, server, err::kBadRequest,
                                   "Bad Request: no REQUESTED-TRANSPORT", key, false, now_s);
            }
            if (std::to_integer<uint8_t>(transport->value[0]) != kTransportUdp) {
                return reply_error(m, client, server, err::kUnsupportedTransport,
                                   "Unsupported Transport Protocol", key, false, now_s);
            }
            if (m.find(attr::kReservationToken)) {
                return reply_error(m, client, server, err::kInsufficientCapacity,
                                   "Reservations not supported", key, false, now_s);
            }
            bool even = false;
            if (auto ep = m.find(attr::kEvenPort)) {
                if (ep->value.size() != 1) {
                    return reply_error(m, client, server, err::kBadRequest, "Bad Request", key,
                                       false, now_s);
                }
                if ((std::to_integer<uint8_t>(ep->value[0]) & 0x80) != 0) {
                    return reply_error(m, client, server, err::kInsufficientCapacity,
                                       "Port reservations not supported", key, false, now_s);
                }
                even = true;
            }
            if (auto fam = m.find(attr::kRequestedAddressFamily)) {
                const uint8_t f = fam->value.empty() ? 0 : std::to_integer<uint8_t>(fam->value[0]);
                if ((f == 1 && server.is_v6) || (f == 2 && !server.is_v6) || (f != 1 && f != 2)) {
                    return reply_error(m, client, server, err::kAddressFamilyNotSupported,
                                       "Address Family not Supported", key, false, now_s);
                }
            }
            if (cfg_.user_quota != 0 && table_.count_user(user) >= cfg_.user_quota) {
                count(Counter::TurnQuotaRefusals);
                return reply_error(m, client, server, err::kAllocationQuotaReached,
                                   "Allocation Quota Reached", key, false, now_s);
            }
            uint32_t lifetime = cfg_.default_lifetime_s;
            if (auto lt = m.find(attr::kLifetime); lt && lt->value.size() == 4) {
                lifetime = std::clamp(load_u32be(lt->value.data()), cfg_.default_lifetime_s,
                                      cfg_.max_lifetime_s);
            }
            idx = table_.create(client, server, even, now_s + lifetime, now_s, stream_);
            if (idx == kNoAllocation) {
                count(Counter::TurnQuotaRefusals);
                return reply_error(m, client, server, err::kInsufficientCapacity,
                                   "Insufficient Capacity", key, false, now_s);
            }
            Allocation& a = table_.at(idx);
            a.allocate_txid = m.transaction_id();
            a.client_mac = mac;
            a.username_len = static_cast<uint8_t>(std::min(user.size(), a.username.size()));
            std::memcpy(a.username.data(), user.data(), a.username_len);
            count(Counter::TurnAllocationsCreated);
        }
        Allocation& a = table_.at(idx);
        wire::Endpoint relayed = server;
        relayed.port = a.relay_port;
        stun::Builder b{scratch_, stun::message_type(method, stun::Class::Success),
                        m.transaction_id()};
        b.add_xor_address(attr::kXorRelayedAddress, relayed)
            .add_u32(attr::kLifetime, static_cast<uint32_t>(a.expires_s - now_s))
            .add_xor_address(attr::kXorMappedAddress, client);
        return finish_reply(b, client, server, key);
    }

    if (idx == kNoAllocation) {
        return reply_error(m, client, server, err::kAllocationMismatch, "Allocation Mismatch", key,
                           false, now_s);
    }
    Allocation& a = table_.at(idx);
    if (a.user() != user) {
        return reply_error(m, client, server, err::kWrongCredentials, "Wrong Credentials", key,
                           false, now_s);  // §7: the allocation belongs to another username
    }

    if (method == stun::method::kRefresh) {
        uint32_t lifetime = cfg_.default_lifetime_s;
        if (auto lt = m.find(attr::kLifetime); lt && lt->value.size() == 4) {
            const uint32_t want = load_u32be(lt->value.data());
            lifetime =
                want == 0 ? 0 : std::clamp(want, cfg_.default_lifetime_s, cfg_.max_lifetime_s);
        }
        stun::Builder b{scratch_, stun::message_type(method, stun::Class::Success),
                        m.transaction_id()};
        b.add_u32(attr::kLifetime, lifetime);
        if (lifetime == 0) {
            table_.release(idx);
            count(Counter::TurnAllocationsDeleted);
        } else {
            table_.refresh(idx, now_s + lifetime);
        }
        return finish_reply(b, client, server, key);
    }

    if (method == stun::method::kCreatePermission) {
        // Validate every XOR-PEER-ADDRESS first: the request installs all or nothing (§10.2).
        bool any = false;
        uint16_t bad = 0;
        m.for_each([&](const stun::Attribute& at) {
            if (at.type != attr::kXorPeerAddress || bad != 0) {
                return;
            }
            auto peer = m.xor_address(at);
            any = true;
            if (!peer) {
                bad = err::kBadRequest;
            } else if (!same_family(*peer, server)) {
                bad = err::kPeerAddressFamilyMismatch;
            } else if (!peer_allowed(*peer)) {
                bad = err::kForbidden;
            }
        });
        if (!any) {
            bad = err::kBadRequest;
        }
        if (bad != 0) {
            if (bad == err::kForbidden) {
                count(Counter::TurnDeniedPeer);
            }
            return reply_error(m, client, server, bad,
                               bad == err::kForbidden    ? "Forbidden"
                               : bad == err::kBadRequest ? "Bad Request"
                                                         : "Peer Address Family Mismatch",
                               key, false, now_s);
        }
        bool full = false;
        m.for_each([&](const stun::Attribute& at) {
            if (at.type != attr::kXorPeerAddress) {
                return;
            }
            const wire::Endpoint peer = *m.xor_address(at);
            if (Permission* p = a.find_permission(peer, now_s)) {
                p->expires_s = now_s + kPermissionLifetimeS;
                return;
            }
            auto slot = std::find_if(a.permissions.begin(), a.permissions.end(),
                                     [&](const Permission& p) { return p.expires_s <= now_s; });
            if (slot == a.permissions.end()) {
                full = true;
                return;
            }
            *slot = Permission{peer, now_s + kPermissionLifetimeS};
            count(Counter::TurnPermissionsCreated);
        });
        if (full) {
            return reply_error(m, client, server, err::kInsufficientCapacity,
                               "Too many permissions", key, false, now_s);
        }
        stun::Builder b{scratch_, stun::message_type(method, stun::Class::Success),
                        m.transaction_id()};
        TurnAction act = finish_reply(b, client, server, key);
        if (auto first = m.find(attr::kXorPeerAddress)) {
            act.resolve_hint = m.xor_address(*first);  // data will follow: learn its MAC now
        }
        return act;
    }

    // ChannelBind (§11.2)
    auto num = m.find(attr::kChannelNumber);
    auto xpa = m.find(attr::kXorPeerAddress);
    std::optional<wire::Endpoint> peer = xpa ? m.xor_address(*xpa) : std::nullopt;
    if (!num || num->value.size() != 4 || !peer) {
        return reply_error(m, client, server, err::kBadRequest, "Bad Request", key, false, now_s);
    }
    const uint16_t number = load_u16be(num->value.data());
    if (!wire::turn::valid_channel(number, cfg_.rfc5766_channels)) {
        return reply_error(m, client, server, err::kBadRequest, "Bad Request: channel number", key,
                           false, now_s);
    }
    if (!same_family(*peer, server)) {
        return reply_error(m, client, server, err::kPeerAddressFamilyMismatch,
                           "Peer Address Family Mismatch", key, false, now_s);
    }
    if (!peer_allowed(*peer)) {
        count(Counter::TurnDeniedPeer);
        return reply_error(m, client, server, err::kForbidden, "Forbidden", key, false, now_s);
    }
    Channel* by_num = a.channel_by_number(number, now_s);
    Channel* by_peer = a.channel_by_peer(*peer, now_s);
    if ((by_num != nullptr && !(by_num->peer == *peer)) ||
        (by_peer != nullptr && by_peer->number != number)) {
        return reply_error(m, client, server, err::kBadRequest, "Bad Request: channel in use", key,
                           false, now_s);
    }
    Channel* ch = by_num;
    if (ch == nullptr) {
        auto slot = std::find_if(a.channels.begin(), a.channels.end(), [&](const Channel& c) {
            return c.number == 0 || c.expires_s <= now_s;
        });
        if (slot == a.channels.end()) {
            return reply_error(m, client, server, err::kInsufficientCapacity, "Too many channels",
                               key, false, now_s);
        }
        ch = &*slot;
        *ch = Channel{number, *peer, 0};
        count(Counter::TurnChannelsBound);
    }
    ch->expires_s = now_s + kChannelLifetimeS;
    if (Permission* existing = a.find_permission(*peer, now_s)) {
        existing->expires_s = now_s + kPermissionLifetimeS;
    } else {
        auto slot = std::find_if(a.permissions.begin(), a.permissions.end(),
                                 [&](const Permission& p) { return p.expires_s <= now_s; });
        if (slot != a.permissions.end()) {
            *slot = Permission{*peer, now_s + kPermissionLifetimeS};
            count(Counter::TurnPermissionsCreated);
        }
    }
    stun::Builder b{scratch_, stun::message_type(method, stun::Class::Success), m.transaction_id()};
    TurnAction act = finish_reply(b, client, server, key);
    act.resolve_hint = *peer;
    return act;
}

bool TurnServer::peer_allowed(const wire::Endpoint& peer) const noexcept {
    // Two clients relayed by this appliance talk through each other's relayed addresses: our own
    // address is a valid peer on relay ports (and only there).
    if (is_hairpin(peer) || is_local_media(peer)) {
        return true;
    }
    return peer.is_v6 ? policy_.allowed(peer.v6) : policy_.allowed(peer.v4);
}

uint32_t TurnServer::relay_port_owner(uint16_t port) const noexcept {
    return plan_.relay_owner(port);
}

bool TurnServer::is_local_media(const wire::Endpoint& peer) const noexcept {
    return plan_.is_sfu_port(peer.port) &&
           (peer.is_v6 ? policy_.own(peer.v6) : policy_.own(peer.v4));
}

bool TurnServer::is_hairpin(const wire::Endpoint& peer) const noexcept {
    const bool own = peer.is_v6 ? policy_.own(peer.v6) : policy_.own(peer.v4);
    return own && plan_.relay_ports().contains(peer.port);
}

bool TurnServer::within_rate(uint64_t& bucket, uint64_t& stamp, std::size_t bytes,
                             uint64_t now_s) const noexcept {
    if (cfg_.max_bps == 0) {
        return true;
    }
    // Token bucket refilled once a second with one second's worth of bytes, capped at that.
    const uint64_t per_s = cfg_.max_bps / 8;
    if (now_s != stamp) {
        bucket = per_s;
        stamp = now_s;
    }
    if (bucket < bytes) {
        return false;
    }
    bucket -= bytes;
    return true;
}

TurnAction TurnServer::handle_send(const stun::Message& m, uint32_t idx, uint64_t now_s) noexcept {
    if (idx == kNoAllocation) {
        count(Counter::TurnDropNoAllocation);
        return {};
    }
    Allocation& a = table_.at(idx);
    auto xpa = m.find(attr::kXorPeerAddress);
    auto data = m.find(attr::kData);
    std::optional<wire::Endpoint> peer = xpa ? m.xor_address(*xpa) : std::nullopt;
    if (!peer || !data) {
        count(Counter::TurnDropMalformed);
        return {};
    }
    if (a.find_permission(*peer, now_s) == nullptr) {
        count(Counter::TurnDropNoPermission);
        return {};
    }
    TurnAction act;
    (void)to_peer(act, a, data->value, *peer, now_s);
    return act;
}

// The relay functions below build one named TurnAction and return it on every path, so the
// compiler constructs it in the caller's slot (NRVO): a copy of a freshly written action costs
// store-forwarding stalls on every relayed packet.

bool TurnServer::to_peer(TurnAction& act, Allocation& a, ByteSpan data, const wire::Endpoint& peer,
                         uint64_t now_s) noexcept {
    if (!within_rate(a.bucket_to_peer, a.bucket_stamp, data.size(), now_s)) {
        count(Counter::TurnDropBandwidth);
        return false;
    }
    act.kind = TurnAction::Kind::ToPeer;
    act.data = data;
    act.src = a.relayed;
    act.dst = peer;
    ++a.to_peer_packets;
    a.to_peer_bytes += data.size();
    return true;
}

TurnAction TurnServer::handle_channel_data(ByteSpan payload, uint32_t idx, uint64_t now_s,
                                           std::optional<uint64_t> payload_sum) noexcept {
    TurnAction act;
    auto cd = wire::turn::parse_channel_data(payload, wire::turn::Framing::Datagram);
    if (!cd) {
        count(Counter::TurnDropMalformed);
        return act;
    }
    if (idx == kNoAllocation) {
        count(Counter::TurnDropNoAllocation);
        return act;
    }
    Allocation& a = table_.at(idx);
    Channel* ch = a.channel_by_number(cd->channel, now_s);
    if (ch == nullptr) {
        count(Counter::TurnDropNoPermission);
        return act;
    }
    if (to_peer(act, a, cd->data, ch->peer, now_s) && payload_sum) {
        // The data's sum is the payload's less the 4-byte header and any padding after the data
        // (ones'-complement subtraction adds the complement). The data starts at an even offset.
        const std::size_t tail_at = wire::turn::kChannelDataHeaderLen + cd->data.size();
        uint64_t others = wire::checksum_add(payload.first(wire::turn::kChannelDataHeaderLen));
        if (tail_at < payload.size()) {
            ByteSpan tail = payload.subspan(tail_at);
            if (tail_at % 2 == 1) {  // a byte in the low half of a word
                others += std::to_integer<uint8_t>(tail[0]);
                tail = tail.subspan(1);
            }
            others = wire::checksum_add(tail, others);
        }
        act.data_sum = *payload_sum + wire::checksum_finish(others);  // a - b = a + ~b
    }
    return act;
}

// ---- peer side --------------------------------------------------------------------------------

TurnAction TurnServer::on_peer(ByteSpan payload, const wire::Endpoint& peer,
                               const wire::Endpoint& relay, uint64_t now_s,
                               std::optional<uint64_t> payload_sum) noexcept {
    TurnAction act;
    const uint32_t idx = table_.by_relay_port(relay.port);
    if (idx == kNoAllocation || !same_family(table_.at(idx).server, peer)) {
        count(Counter::TurnDropNoAllocation);
        return act;
    }
    Allocation& a = table_.at(idx);
    // §9: data from a peer without a permission for its IP address is silently discarded.
    if (a.find_permission(peer, now_s) == nullptr) {
        count(Counter::TurnDropNoPermission);
        return act;
    }
    if (!within_rate(a.bucket_to_client, a.bucket_stamp, payload.size(), now_s)) {
        count(Counter::TurnDropBandwidth);
        return act;
    }
    act.data = payload;
    act.src = a.server;
    act.dst = a.client;
    act.dst_mac = a.client_mac;
    act.stream = a.stream;
    if (payload_sum) {
        act.data_sum = *payload_sum;
    }
    if (const Channel* ch = a.channel_by_peer(peer, now_s)) {
        act.kind = TurnAction::Kind::ToClientChannel;
        act.channel = ch->number;
    } else {
        act.kind = TurnAction::Kind::ToClientIndication;
        act.xor_peer = peer;
    }
    ++a.to_client_packets;
    a.to_client_bytes += payload.size();
    return act;
}

void TurnServer::tick(uint64_t now_s) noexcept {
    table_.expire(now_s, [&](uint32_t) { count(Counter::TurnAllocationsExpired); });
}

}  // namespace tern::dp
