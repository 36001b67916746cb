#include "dataplane/lcore/dispatch.hpp"

#include "common/wire/turn/channel_data.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/turn/turn_framing.hpp"
#include "dataplane/turn/turn_server.hpp"

namespace tern::dp {

Route Dispatch::route(uint16_t port, ByteSpan payload) const noexcept {
    if (plan_.workers() > 1) {
        if (const uint32_t owner = other_owner(port); owner != kNoWorker) {
            return {Service::Handoff, false, owner};
        }
    }
    if (sfu_ != nullptr && sfu_->serves(port)) {
        return {Service::Sfu};
    }
    const bool stun_port = port == plan_.stun_port();
    if (turn_ != nullptr) {
        if (stun_port && for_turn_server(payload)) {
            return {Service::TurnClient, wire::turn::looks_like_channel_data(payload)};
        }
        if (turn_->owns_relay_port(port)) {
            return {Service::TurnPeer, true};
        }
    }
    return {stun_port ? Service::StunBinding : Service::Kernel};
}

}  // namespace tern::dp
