// Rooms and their participants as plain values (the rows of the rooms and participants tables).
// The numbers are Talk's own (room types, participant types, permission bits, lobby and SIP
// states), so the API layer sends them unchanged; the rules over them live in
// signaling/backend/rooms/. Times are Unix seconds (UTC), as in records.hpp.
#pragma once

#include "signaling/backend/store/actor.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::sig::backend {

/// A room's row id; never reused (as UserId). Clients know rooms by their token, not this.
struct RoomId {
    int64_t value = 0;
    auto operator<=>(const RoomId&) const = default;
};

/// Talk's conversation types (values as in the API).
enum class RoomType : uint8_t {
    OneToOne = 1,
    Group = 2,
    Public = 3,  // anyone with the link may join as a guest
    Changelog = 4,
    NoteToSelf = 6,
};

/// Talk's lobby states: with NonModerators, only moderators may enter the chat and the call
/// until a moderator lifts it or its timer passes.
enum class LobbyState : uint8_t {
    AllParticipants = 0,
    NonModerators = 1,
};

/// Talk's SIP states: disabled, enabled with a PIN per participant, enabled without PIN.
enum class SipState : uint8_t {
    Disabled = 0,
    Pin = 1,
    NoPin = 2,
};

struct Room {
    RoomId id;
    std::string token;  // 8 characters of [a-z0-9], unique: the room's name in every URL
    RoomType type = RoomType::Group;
    std::string name;
    std::string description;
    std::string password_hash;         // argon2id for a public room's guests; empty: no password
    uint32_t default_permissions = 0;  // Talk's bits; 0: Talk's defaults apply
    LobbyState lobby = LobbyState::AllParticipants;
    std::optional<int64_t> lobby_timer_s;  // the lobby opens by itself then
    bool read_only = false;                // "locked": nobody may post or start a call
    SipState sip = SipState::Disabled;
    std::optional<std::string> dial_in_id;  // digits a phone caller types; unique
    /// For one-to-one rooms: the two user names, lower case, sorted, joined by '\n'. Unique, so
    /// two users have at most one such room however many ask for it at once.
    std::optional<std::string> one_to_one_key;
    uint32_t call_flags = 0;                // Talk's in-call bits of everyone in the call
    std::optional<int64_t> call_started_s;  // set while a call is on
    int64_t last_message_id = 0;            // the newest chat message's id; 0: none yet
    int64_t created_s = 0;
    int64_t last_activity_s = 0;  // the last message or call start
};

struct NewRoom {
    std::string token;
    RoomType type = RoomType::Group;
    std::string name;
    std::string description;
    std::string password_hash;
    uint32_t default_permissions = 0;
    std::optional<std::string> dial_in_id;
    std::optional<std::string> one_to_one_key;
    int64_t created_s = 0;
};

/// Talk's participant types (values as in the API).
enum class ParticipantType : uint8_t {
    Owner = 1,
    Moderator = 2,
    User = 3,
    Guest = 4,
    UserSelfJoined = 5,  // a user who joined a public room by its link
    GuestModerator = 6,
};

struct Participant {
    int64_t id = 0;  // Talk's attendeeId
    RoomId room;
    Actor actor;
    std::string display_name;
    ParticipantType type = ParticipantType::User;
    uint32_t permissions = 0;       // Talk's bits; 0: the room's (or Talk's) defaults apply
    int64_t last_read_message = 0;  // the newest message id this participant has read
    uint32_t in_call = 0;           // Talk's in-call bits; 0: not in the call
    std::optional<int64_t> in_call_since_s;
    std::optional<std::string> session_id;  // the Talk session while connected; unique
    std::optional<std::string> pin;         // for dial-in, unique within the room
    int64_t joined_s = 0;
};

struct NewParticipant {
    RoomId room;
    Actor actor;
    std::string display_name;
    ParticipantType type = ParticipantType::User;
    uint32_t permissions = 0;
    int64_t last_read_message = 0;
    std::optional<std::string> pin;
    int64_t joined_s = 0;
};

/// A participant's call flags after Store::set_in_call, with the room's call as it is then.
struct CallChange {
    Room room;
    Participant participant;
    uint32_t previous_flags = 0;  // the participant's before the change
    bool started = false;         // this change started the room's call
    bool ended = false;           // this change ended it (the last one left)
};

}  // namespace tern::sig::backend
