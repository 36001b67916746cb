// The TURN allocations one lcore owns: a fixed pool (no allocation after start), an index by
// 5-tuple, a direct map from relay port to allocation, per-allocation permissions and channels,
// and a timer wheel that expires allocations.
//
// Lcore-local: only the owning worker touches it.
#pragma once

#include "common/port_plan.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tern::dp {

inline constexpr uint32_t kNoAllocation = 0xffffffffU;
inline constexpr std::size_t kMaxPermissions = 16;     // per allocation
inline constexpr std::size_t kMaxChannels = 16;        // per allocation
inline constexpr uint32_t kPermissionLifetimeS = 300;  // RFC 8656 §9
inline constexpr uint32_t kChannelLifetimeS = 600;     // RFC 8656 §12

struct Permission {
    wire::Endpoint peer;  // port ignored: permissions are per IP address
    uint64_t expires_s = 0;
};

struct Channel {
    uint16_t number = 0;  // 0 = unused
    wire::Endpoint peer;
    uint64_t expires_s = 0;
};

struct Allocation {
    bool in_use = false;
    wire::Endpoint client;   // the 5-tuple: client transport address...
    wire::Endpoint server;   // ...and the server address it spoke to...
    uint64_t stream = 0;     // ...over UDP (0) or over this TCP/TLS connection of the control plane
    wire::Endpoint relayed;  // the server address with the relay port: the source of relayed data
    wire::MacAddr client_mac;  // where the client's frames come from (it or its router)
    uint16_t relay_port = 0;
    uint64_t expires_s = 0;
    wire::stun::TransactionId allocate_txid{};
    std::array<char, 128> username{};
    uint8_t username_len = 0;
    std::array<Permission, kMaxPermissions> permissions{};
    std::array<Channel, kMaxChannels> channels{};
    uint64_t to_peer_packets = 0, to_peer_bytes = 0;
    uint64_t to_client_packets = 0, to_client_bytes = 0;
    uint64_t created_s = 0;
    // Rate limiting (token bucket per direction), bytes.
    uint64_t bucket_to_peer = 0, bucket_to_client = 0, bucket_stamp = 0;
    // intrusive links: 5-tuple hash chain and timer-wheel slot list
    uint32_t hash_next = kNoAllocation;
    uint32_t wheel_next = kNoAllocation;
    uint32_t wheel_prev = kNoAllocation;
    uint32_t wheel_slot = 0;

    [[nodiscard]] std::string_view user() const { return {username.data(), username_len}; }
    Permission* find_permission(const wire::Endpoint& peer, uint64_t now_s) noexcept;
    Channel* channel_by_number(uint16_t n, uint64_t now_s) noexcept;
    Channel* channel_by_peer(const wire::Endpoint& peer, uint64_t now_s) noexcept;
};

class AllocationTable {
public:
    /// `relay` is this lcore's share of the relay port range (PortPlan::relay_slice).
    AllocationTable(uint32_t capacity, PortRange relay);

    /// The allocation of a 5-tuple; `stream` is 0 for UDP, else the TCP/TLS connection id.
    [[nodiscard]] uint32_t find(const wire::Endpoint& client, const wire::Endpoint& server,
                                uint64_t stream = 0) const noexcept;
    [[nodiscard]] uint32_t by_relay_port(uint16_t port) const noexcept;
    [[nodiscard]] bool owns_port(uint16_t port) const noexcept {
        return port >= relay_min_ && port <= relay_max_;
    }

    /// A new allocation with a free relay port (even when `even_port`), or kNoAllocation when
    /// the pool or the port range is exhausted.
    uint32_t create(const wire::Endpoint& client, const wire::Endpoint& server, bool even_port,
                    uint64_t expires_s, uint64_t now_s, uint64_t stream = 0) noexcept;
    void refresh(uint32_t idx, uint64_t expires_s) noexcept;
    void release(uint32_t idx) noexcept;

    Allocation& at(uint32_t idx) noexcept { return pool_[idx]; }
    [[nodiscard]] const Allocation& at(uint32_t idx) const noexcept { return pool_[idx]; }
    [[nodiscard]] uint32_t active() const noexcept { return active_; }
    [[nodiscard]] uint32_t capacity() const noexcept { return static_cast<uint32_t>(pool_.size()); }
    [[nodiscard]] uint32_t count_user(std::string_view user) const noexcept;

    /// Advances the wheel to `now_s`, releasing what expired; calls on_expire(idx) before each.
    template <class F>
    void expire(uint64_t now_s, F&& on_expire) noexcept {
        if (now_s > wheel_time_ + kWheelSlots) {
            wheel_time_ = now_s - kWheelSlots;  // after a long pause every slot is visited once
        }
        while (wheel_time_ <= now_s) {
            const uint32_t slot = static_cast<uint32_t>(wheel_time_ % kWheelSlots);
            uint32_t i = wheel_[slot];
            while (i != kNoAllocation) {
                const uint32_t next = pool_[i].wheel_next;
                if (pool_[i].expires_s <= now_s) {
                    on_expire(i);
                    release(i);
                } else if (wheel_slot_of(pool_[i].expires_s) != slot) {
                    wheel_unlink(i);  // refreshed since it was filed: file it where it belongs now
                    wheel_link(i);
                }
                i = next;
            }
            ++wheel_time_;
        }
    }

    template <class F>
    void for_each_active(F&& f) const {
        for (uint32_t i = 0; i < pool_.size(); ++i) {
            if (pool_[i].in_use) {
                f(i, pool_[i]);
            }
        }
    }

private:
    static constexpr uint32_t kWheelSlots = 4096;  // seconds; later expiries wrap and re-file
    [[nodiscard]] uint32_t bucket(const wire::Endpoint& c, const wire::Endpoint& s,
                                  uint64_t stream) const noexcept;
    [[nodiscard]] uint32_t wheel_slot_of(uint64_t t) const noexcept {
        return static_cast<uint32_t>(t % kWheelSlots);
    }
    void wheel_link(uint32_t idx) noexcept;
    void wheel_unlink(uint32_t idx) noexcept;

    std::vector<Allocation> pool_;      // owned; sized once
    std::vector<uint32_t> free_;        // free pool indices (a stack)
    std::vector<uint32_t> buckets_;     // 5-tuple hash heads
    std::vector<uint32_t> port_owner_;  // relay port - relay_min_ -> allocation
    std::vector<uint16_t> free_ports_;  // a ring of free relay ports
    std::size_t free_ports_head_ = 0;
    std::size_t free_ports_count_ = 0;
    std::array<uint32_t, kWheelSlots> wheel_{};
    uint64_t wheel_time_ = 0;
    uint16_t relay_min_;
    uint16_t relay_max_;
    uint32_t active_ = 0;
};

}  // namespace tern::dp
