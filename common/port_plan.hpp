// Which UDP port on the data plane's addresses is whose: the one place that knows how tern lays
// its ports out over the worker lcores. The config validator checks it, the data plane steers
// by it (NIC rules or software hand-off), TURN and the SFU serve their worker's share of it, and
// the control plane names ports from it in its answers.
//
//   stun_port           shared: STUN Binding and TURN over UDP, on every worker
//   media_port + w      worker w's SFU media port (ICE-lite, DTLS, SRTP); one per worker
//   transport ports     optional: one per SFU transport, the range sliced equally per worker
//   relay ports         TURN relayed addresses, the range sliced equally per worker
//
// A slice is the w-th equal share of a range; the remainder past the last slice is nobody's.
#pragma once

#include <cstdint>

namespace tern {

struct DataplaneConfig;
struct ServicesConfig;
struct TurnConfig;

inline constexpr uint32_t kNoWorker = UINT32_MAX;

/// An inclusive range of UDP ports; the default one is empty.
struct PortRange {
    uint16_t lo = 1;
    uint16_t hi = 0;

    [[nodiscard]] constexpr bool empty() const noexcept { return lo > hi; }
    [[nodiscard]] constexpr uint32_t size() const noexcept {
        return empty() ? 0 : uint32_t{hi} - lo + 1;
    }
    [[nodiscard]] constexpr bool contains(uint32_t port) const noexcept {
        return port >= lo && port <= hi;
    }
    [[nodiscard]] constexpr bool overlaps(PortRange o) const noexcept {
        return !empty() && !o.empty() && lo <= o.hi && o.lo <= hi;
    }
    /// Worker `w` of `n`'s equal share (empty when the range has fewer ports than workers).
    [[nodiscard]] constexpr PortRange slice(uint32_t w, uint32_t n) const noexcept {
        const uint32_t each = n == 0 ? 0 : size() / n;
        if (each == 0 || w >= n) {
            return {};
        }
        return {static_cast<uint16_t>(lo + each * w),
                static_cast<uint16_t>(lo + each * (w + 1) - 1)};
    }
    /// The worker of `n` whose slice holds `port`, or kNoWorker.
    [[nodiscard]] constexpr uint32_t slice_owner(uint32_t port, uint32_t n) const noexcept {
        const uint32_t each = n == 0 ? 0 : size() / n;
        if (each == 0 || !contains(port)) {
            return kNoWorker;
        }
        const uint32_t w = (port - lo) / each;
        return w < n ? w : kNoWorker;
    }
    friend constexpr bool operator==(PortRange, PortRange) noexcept = default;
};

/// The port layout of one data plane: a small value, copied where it is needed.
class PortPlan {
public:
    /// Nothing on: every port belongs to the kernel.
    PortPlan() = default;
    /// `turn` may be null or disabled (no relay ports).
    PortPlan(const ServicesConfig& services, const TurnConfig* turn, uint32_t n_workers) noexcept;
    /// Workers from the config's worker cores.
    explicit PortPlan(const DataplaneConfig& dp) noexcept;
    /// Only TURN's relay ports (what a TurnServer knows before it learns of an SFU).
    static PortPlan relay_only(const TurnConfig& turn, uint32_t n_workers) noexcept;

    [[nodiscard]] uint32_t workers() const noexcept { return workers_; }
    /// STUN Binding and TURN over UDP, shared by every worker.
    [[nodiscard]] uint16_t stun_port() const noexcept { return stun_port_; }

    [[nodiscard]] bool sfu() const noexcept { return media_base_ != 0; }
    /// Worker `w`'s SFU media port (0 when the SFU is off).
    [[nodiscard]] uint16_t media_port(uint32_t w) const noexcept {
        return sfu() ? static_cast<uint16_t>(media_base_ + w) : 0;
    }
    /// Every worker's media port (empty when the SFU is off).
    [[nodiscard]] PortRange media_ports() const noexcept {
        const uint32_t last =
            uint32_t{media_base_} + workers_ - 1;  // the validator keeps it below 65536
        return sfu() ? PortRange{media_base_, static_cast<uint16_t>(last > 0xffff ? 0xffff : last)}
                     : PortRange{};
    }
    /// SFU transports' own ports, all workers' (empty when not configured).
    [[nodiscard]] PortRange transport_ports() const noexcept { return transport_; }
    [[nodiscard]] PortRange transport_slice(uint32_t w) const noexcept {
        return transport_.slice(w, workers_);
    }

    /// TURN's relay ports, all workers' (empty when TURN is off).
    [[nodiscard]] PortRange relay_ports() const noexcept { return relay_; }
    [[nodiscard]] PortRange relay_slice(uint32_t w) const noexcept {
        return relay_.slice(w, workers_);
    }
    [[nodiscard]] uint32_t relay_owner(uint16_t port) const noexcept {
        return relay_.slice_owner(port, workers_);
    }

    /// A port some worker's SFU engine serves: a media port or a transport port.
    [[nodiscard]] bool is_sfu_port(uint16_t port) const noexcept {
        return media_ports().contains(port) || transport_.contains(port);
    }
    /// The worker that owns UDP `port` (a media, transport or relay port), or kNoWorker for
    /// shared ports (STUN/TURN) and the kernel's.
    [[nodiscard]] uint32_t owner(uint16_t port) const noexcept {
        if (media_ports().contains(port)) {
            return port - media_base_;
        }
        if (transport_.contains(port)) {
            return transport_.slice_owner(port, workers_);
        }
        return relay_owner(port);
    }

    friend bool operator==(const PortPlan&, const PortPlan&) noexcept = default;

private:
    uint32_t workers_ = 1;
    uint16_t stun_port_ = 0;
    uint16_t media_base_ = 0;  // 0: the SFU is off
    PortRange transport_;
    PortRange relay_;
};

}  // namespace tern
