// Which service takes a UDP datagram addressed to us: the decision between the host stack
// (which found the datagram) and the services behind it. It reads only the destination port and
// the payload's first bytes, and returns the decision; the packet path carries it out.
//
//   port another worker owns (PortPlan)       -> Handoff to that worker (software steering)
//   a port this lcore's SFU engine serves     -> Sfu (ICE-lite, DTLS punted, SRTP forwarded)
//   STUN/TURN port, ChannelData or TURN method -> TurnClient (ChannelData is relayed unread)
//   a relay port of this lcore's TURN slice   -> TurnPeer (relayed unread)
//   STUN/TURN port, anything else             -> StunBinding
//   every other port                          -> Kernel (exception path)
//
// Lcore-local and read-only on the packet path.
#pragma once

#include "common/byte_reader.hpp"
#include "common/port_plan.hpp"

#include <cstdint>

namespace tern::sfu {
class Sfu;
}  // namespace tern::sfu

namespace tern::dp {

class TurnServer;

enum class Service : uint8_t { Handoff, Sfu, TurnClient, TurnPeer, StunBinding, Kernel };

struct Route {
    Service service = Service::Kernel;
    /// The payload passes through unread (TURN relaying): its UDP checksum is carried over
    /// instead of verified.
    bool relayed = false;
    uint32_t owner = kNoWorker;  // Handoff: the worker to hand the frame to
};

class Dispatch {
public:
    /// `turn` and `sfu` may be null (off); borrowed, lcore-local.
    void set_services(const TurnServer* turn, const sfu::Sfu* sfu) noexcept {
        turn_ = turn;
        sfu_ = sfu;
    }
    /// This lcore is worker `self` of the plan's workers.
    void set_plan(uint32_t self, const PortPlan& plan) noexcept {
        self_ = self;
        plan_ = plan;
    }

    [[nodiscard]] Route route(uint16_t port, ByteSpan payload) const noexcept;

    [[nodiscard]] const PortPlan& plan() const noexcept { return plan_; }
    [[nodiscard]] uint32_t self() const noexcept { return self_; }
    /// The worker another than this one that owns `port`, or kNoWorker (ours, or shared).
    [[nodiscard]] uint32_t other_owner(uint16_t port) const noexcept {
        const uint32_t o = plan_.owner(port);
        return o == self_ ? kNoWorker : o;
    }

private:
    const TurnServer* turn_ = nullptr;
    const sfu::Sfu* sfu_ = nullptr;
    uint32_t self_ = 0;
    PortPlan plan_;
};

}  // namespace tern::dp
