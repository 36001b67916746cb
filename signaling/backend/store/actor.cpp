#include "signaling/backend/store/actor.hpp"

#include <array>
#include <utility>

namespace tern::sig::backend {

namespace {

constexpr std::array<std::pair<ActorType, std::string_view>, 7> kNames{{
    {ActorType::Users, "users"},
    {ActorType::Guests, "guests"},
    {ActorType::Emails, "emails"},
    {ActorType::Bots, "bots"},
    {ActorType::Bridged, "bridged"},
    {ActorType::Phones, "phones"},
    {ActorType::DeletedUsers, "deleted_users"},
}};

}  // namespace

const char* to_string(ActorType type) noexcept {
    for (const auto& [t, name] : kNames) {
        if (t == type) {
            return name.data();
        }
    }
    return "?";
}

std::optional<ActorType> parse_actor_type(std::string_view text) noexcept {
    for (const auto& [t, name] : kNames) {
        if (name == text) {
            return t;
        }
    }
    return std::nullopt;
}

}  // namespace tern::sig::backend
