// Who did something in a room: Talk's actor (an actorType and an actorId). Users are named by
// their user name, guests by a random id their session holds, bridged and bot actors by the
// name the bridge or bot gave. The type is stored and sent as Talk's text ("users", "guests",
// ...); clients compare it as text, so the spelling is part of the API.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::backend {

enum class ActorType : uint8_t {
    Users,
    Guests,
    Emails,  // a guest invited by e-mail
    Bots,
    Bridged,  // a message relayed by Matterbridge
    Phones,   // a dial-out participant of the SIP bridge
    DeletedUsers,
};

struct Actor {
    ActorType type = ActorType::Users;
    std::string id;
    auto operator<=>(const Actor&) const = default;
};

/// "users", "guests", ...: Talk's text for the type.
const char* to_string(ActorType type) noexcept;

/// The type for Talk's text; nullopt for any other (a newer tern's, or a broken row).
std::optional<ActorType> parse_actor_type(std::string_view text) noexcept;

}  // namespace tern::sig::backend
