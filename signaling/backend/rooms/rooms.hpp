// Rooms: creating them by Talk's rules, who is in them and with which role, their settings,
// and the call state, over a Store. Every change is checked (room_policy.hpp) before the store
// is touched, and leaves its system message in the chat (system_message.hpp).
//
// A room is created with its owners and its conversation_created message in one transaction
// (Store::create_room): it never exists without them. Creation rules:
// - one-to-one: between two different users, at most one per pair (the store's unique
//   one-to-one key, so two nodes asking at once still make one); asking again returns the
//   existing room, with both in it again if one had left. Both are owners, as in Talk.
// - note-to-self: one per user, the same way (its key is the user's name alone).
// - group and public: a name of 1..255 bytes without control characters; the creator is the
//   owner. Public rooms may carry a password (argon2id, auth/password_hasher.hpp) that guests
//   and self-joining users must give.
// - changelog rooms are made by the server, never on request.
//
// Users are named by their user name as stored (auth/users.hpp), which the caller has looked up
// from what a client sent: two spellings of one name would be two participants.
//
// Not thread-safe (one owner, like its Store). Borrowed store, hasher and random source
// outlive this.
#pragma once

#include "signaling/backend/auth/password_hasher.hpp"
#include "signaling/backend/rooms/room_token.hpp"
#include "signaling/backend/rooms/system_message.hpp"
#include "signaling/backend/rooms/talk_error.hpp"
#include "signaling/backend/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::backend {

struct CreatedRoom {
    Room room;
    bool created = true;  // false: an existing one-to-one or note-to-self room was returned
};

/// A participant and the room it is in, as loaded for a request.
struct Membership {
    Room room;
    Participant participant;
};

class Rooms {
public:
    Rooms(Store& store, const PasswordHasher& hasher, const RandomBytes& random)
        : store_(store), hasher_(hasher), random_(random) {}

    // Creation and membership.
    TalkResult<CreatedRoom> create(const NamedActor& creator, RoomType type, std::string_view name,
                                   int64_t now_s);
    /// The one-to-one room of two users, made when missing.
    TalkResult<CreatedRoom> one_to_one(const NamedActor& creator, const NamedActor& other,
                                       int64_t now_s);
    /// `actor`'s participation in room `token`; NotFound when either is missing.
    TalkResult<Membership> membership(std::string_view token, const Actor& actor);
    /// A moderator adds a user to a group or public room.
    TalkResult<Participant> add_user(const Membership& by, const NamedActor& user, int64_t now_s);
    /// A guest, or a user who is not a participant, joins a public room by its link; the
    /// password when the room has one (WrongPassword else). NotFound for any other room.
    TalkResult<Participant> join_public(std::string_view token, const NamedActor& who,
                                        std::string_view password, int64_t now_s);
    /// Removes `target` (oneself: leaving).
    TalkResult<Done> remove(const Membership& by, int64_t target_id, int64_t now_s);
    TalkResult<Participant> promote(const Membership& by, int64_t target_id, int64_t now_s);
    TalkResult<Participant> demote(const Membership& by, int64_t target_id, int64_t now_s);
    /// A participant's own permissions (permission::kDefault: back to the room's).
    TalkResult<Participant> set_permissions(const Membership& by, int64_t target_id, uint32_t bits);

    // Settings (moderators, group and public rooms).
    TalkResult<Room> rename(const Membership& by, std::string_view name, int64_t now_s);
    TalkResult<Room> set_description(const Membership& by, std::string_view description,
                                     int64_t now_s);
    TalkResult<Room> set_public(const Membership& by, bool make_public, int64_t now_s);
    /// An empty password removes it. Public rooms only.
    TalkResult<Room> set_password(const Membership& by, std::string_view password, int64_t now_s);
    TalkResult<Room> set_lobby(const Membership& by, LobbyState state,
                               std::optional<int64_t> timer_s, int64_t now_s);
    /// Opens the lobby when its timer has passed (called before serving a request); returns the
    /// room as it is now.
    TalkResult<Room> open_lobby_if_due(const Room& room, int64_t now_s);
    TalkResult<Room> set_read_only(const Membership& by, bool read_only, int64_t now_s);
    TalkResult<Room> set_default_permissions(const Membership& by, uint32_t bits);
    /// Enables or disables dial-in; enabling gives the room a dial-in id (and, with PINs,
    /// every user participant a PIN) when it has none.
    TalkResult<Room> set_sip(const Membership& by, SipState state);

    // The call.
    /// Joins the call with `flags` (call_flag::*, trimmed to what the participant may
    /// publish), starting it when none is on (Store::set_in_call decides that atomically, also
    /// with several nodes). Joining again changes the flags without a message.
    TalkResult<Membership> join_call(const Membership& who, uint32_t flags, int64_t now_s);
    /// Leaves the call; the last one out ends it.
    TalkResult<Membership> leave_call(const Membership& who, int64_t now_s);
    /// A moderator ends the call for everyone in it.
    TalkResult<Room> end_call_for_everyone(const Membership& by, int64_t now_s);

private:
    TalkResult<CreatedRoom> create_unique(const NamedActor& creator, RoomType type,
                                          const std::string& key, std::string_view name,
                                          const std::optional<NamedActor>& other, int64_t now_s);
    TalkResult<Participant> target_in(const Membership& by, int64_t target_id);
    enum class RoleChange : uint8_t { Promote, Demote };
    /// Promotes or demotes a participant (room_policy.hpp says to what) and posts the message.
    TalkResult<Participant> change_role(const Membership& by, int64_t target_id, RoleChange change,
                                        int64_t now_s);
    TalkResult<Done> post(const NewChatMessage& message);
    TalkResult<Room> save_setting(const Membership& by, const Room& changed, SystemMessage kind,
                                  int64_t now_s);
    std::optional<std::string> fresh_pin(RoomId room);

    Store& store_;                  // borrowed
    const PasswordHasher& hasher_;  // borrowed
    const RandomBytes& random_;     // borrowed
};

/// The one-to-one key of two users (lower case, sorted, joined by '\n'); see Room.
std::string one_to_one_key(std::string_view a, std::string_view b);

/// The name rules for group and public rooms (1..255 bytes, no control characters).
bool valid_room_name(std::string_view name) noexcept;

/// Whom the server's own system messages are by (the lobby timer): Talk's "system" guest.
NamedActor system_actor();

}  // namespace tern::sig::backend
