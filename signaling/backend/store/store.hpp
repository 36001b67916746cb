// The embedded backend's storage, as typed operations: no SQL outside the implementations.
// SqliteStore (sqlite_store.hpp) is the default; a PostgreSQL store for several signaling nodes
// sharing one database implements the same interface and runs the same test suite
// (store_test.cpp over store_factories_test_support.hpp).
//
// Contract for every implementation:
// - An operation that returned successfully is durable: it survives a kill -9 of the process
//   (and, with the database's own guarantees, a power cut) right after the return.
// - Each operation is atomic on its own; nothing is left half-done by a failure.
// - Not thread-safe: one owner thread per Store object. Several objects (threads, processes,
//   nodes) may share one database; writers wait for each other up to a busy timeout.
// - Names compare without regard to ASCII case ("Alice" and "alice" are one user).
#pragma once

#include "signaling/backend/store/chat_records.hpp"
#include "signaling/backend/store/records.hpp"
#include "signaling/backend/store/room_records.hpp"
#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

class Store {
public:
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    virtual ~Store() = default;

    // Users.
    /// Conflict when the name is taken.
    virtual StoreResult<User> add_user(const NewUser& user) = 0;
    virtual StoreResult<User> find_user(std::string_view name) = 0;
    virtual StoreResult<User> user_by_id(UserId id) = 0;
    /// Every user, by name.
    virtual StoreResult<std::vector<User>> list_users() = 0;
    virtual StoreResult<Done> set_password_hash(UserId id, std::string_view hash) = 0;
    /// Removes the user with its app passwords and login sessions.
    virtual StoreResult<Done> remove_user(UserId id) = 0;

    // App passwords.
    virtual StoreResult<AppPassword> add_app_password(const NewAppPassword& password) = 0;
    /// The app password whose digest is `hash` (digests of 256-bit secrets do not collide).
    virtual StoreResult<AppPassword> find_app_password(std::string_view hash) = 0;
    /// A user's app passwords, oldest first.
    virtual StoreResult<std::vector<AppPassword>> app_passwords(UserId user) = 0;
    virtual StoreResult<Done> touch_app_password(int64_t id, int64_t now_s) = 0;
    virtual StoreResult<Done> remove_app_password(int64_t id) = 0;

    // Login sessions.
    /// Conflict when the token digest exists (a broken random source, never by chance).
    virtual StoreResult<Done> add_login_session(const LoginSession& session) = 0;
    virtual StoreResult<LoginSession> find_login_session(std::string_view token_hash) = 0;
    virtual StoreResult<Done> remove_login_session(std::string_view token_hash) = 0;
    /// Ends every session of `user` (after a password change); returns how many there were.
    virtual StoreResult<uint64_t> remove_user_sessions(UserId user) = 0;
    /// Removes sessions with expires_s <= now_s; returns how many.
    virtual StoreResult<uint64_t> remove_expired_sessions(int64_t now_s) = 0;

    // Rooms.
    /// Conflict when the token, the dial-in id or the one-to-one key is taken.
    virtual StoreResult<Room> add_room(const NewRoom& room) = 0;
    /// add_room, its first participants (their `room` is filled in) and its first message, all
    /// in one transaction: a room never exists without its owner. Conflicts as add_room.
    virtual StoreResult<Room> create_room(const NewRoom& room,
                                          const std::vector<NewParticipant>& members,
                                          const NewChatMessage& first_message) = 0;
    virtual StoreResult<Room> room_by_token(std::string_view token) = 0;
    virtual StoreResult<Room> room_by_id(RoomId id) = 0;
    virtual StoreResult<Room> room_by_dial_in_id(std::string_view dial_in_id) = 0;
    virtual StoreResult<Room> room_by_one_to_one_key(std::string_view key) = 0;
    /// The rooms `actor` takes part in, by token.
    virtual StoreResult<std::vector<Room>> rooms_of(const Actor& actor) = 0;
    /// Writes the room's settings: type, name, description, password hash, default
    /// permissions, lobby and its timer, read-only, SIP state, dial-in id. Never the token, the
    /// one-to-one key, the call (set_in_call, end_call) nor what posting moves (last message
    /// id, last activity), so a settings change made from a stale copy cannot undo those.
    /// Conflict when the dial-in id is taken.
    virtual StoreResult<Done> update_room(const Room& room) = 0;
    /// Opens the lobby when its timer has passed by now_s; true for the one call that opened
    /// it (several nodes may try at once: one wins, so one lobby_timer_reached is posted).
    virtual StoreResult<bool> open_lobby_if_due(RoomId room, int64_t now_s) = 0;
    /// Removes the room with its participants, messages, mentions and reactions.
    virtual StoreResult<Done> remove_room(RoomId id) = 0;

    // Participants.
    /// Conflict when the actor is in the room already or the PIN is taken there; NotFound when
    /// the room is not there.
    virtual StoreResult<Participant> add_participant(const NewParticipant& participant) = 0;
    virtual StoreResult<Participant> participant(RoomId room, const Actor& actor) = 0;
    virtual StoreResult<Participant> participant_by_id(int64_t id) = 0;
    virtual StoreResult<Participant> participant_by_pin(RoomId room, std::string_view pin) = 0;
    virtual StoreResult<Participant> participant_by_session(std::string_view session_id) = 0;
    /// A room's participants, in the order they joined.
    virtual StoreResult<std::vector<Participant>> participants(RoomId room) = 0;
    /// Writes display name, type, permissions, session and PIN (not the read marker:
    /// set_read_marker; not the call flags: set_in_call). Conflict when the session or PIN is
    /// taken.
    virtual StoreResult<Done> update_participant(const Participant& participant) = 0;
    virtual StoreResult<Done> remove_participant(int64_t id) = 0;

    // The call.
    /// Sets a participant's in-call flags (0: out of the call) and, in the same transaction,
    /// the room's: its flags become those of everyone in the call, its call starts (now_s)
    /// with the first one in and ends with the last one out. The room's row is locked first,
    /// so two nodes changing flags at once cannot both miss the call's start or end.
    /// The participant's since-time is now_s when it joins, kept while it stays in.
    virtual StoreResult<CallChange> set_in_call(int64_t participant_id, uint32_t flags,
                                                int64_t now_s) = 0;
    /// Takes everyone out of the room's call and ends it; false when no call was on.
    virtual StoreResult<bool> end_call(RoomId room) = 0;

    // Chat.
    /// Posts a message with the room's next id (given in commit order, so ids only grow in the
    /// order readers see them) and its mentions; moves the room's last message id and
    /// activity. NotFound when the room is not there.
    virtual StoreResult<ChatMessage> post_message(const NewChatMessage& message) = 0;
    virtual StoreResult<ChatMessage> message(RoomId room, int64_t id) = 0;
    /// Up to `limit` messages with ids above `after_id`, oldest first (a long poll's answer).
    virtual StoreResult<std::vector<ChatMessage>> messages_after(RoomId room, int64_t after_id,
                                                                 int limit) = 0;
    /// Up to `limit` messages with ids below `before_id`, newest first (history pages).
    virtual StoreResult<std::vector<ChatMessage>> messages_before(RoomId room, int64_t before_id,
                                                                  int limit) = 0;
    /// Replaces text, parameters and mentions, marks the edit. NotFound for no such message.
    virtual StoreResult<ChatMessage> edit_message(const ChatEdit& edit) = 0;
    /// Marks the message deleted by `mark`: type "comment_deleted", empty text and parameters,
    /// its mentions and reactions gone. NotFound for no such message.
    virtual StoreResult<ChatMessage> delete_message(RoomId room, int64_t id,
                                                    const ChatEditMark& mark) = 0;
    /// Conflict when the actor reacted so already; NotFound for no such message.
    virtual StoreResult<Done> add_reaction(const Reaction& reaction) = 0;
    virtual StoreResult<Done> remove_reaction(RoomId room, int64_t message_id, const Actor& actor,
                                              std::string_view reaction) = 0;
    /// A message's reactions, oldest first.
    virtual StoreResult<std::vector<Reaction>> reactions(RoomId room, int64_t message_id) = 0;
    /// The reactions of the messages first_id..last_id (a page's), by message, oldest first:
    /// one query for a page instead of one per message.
    virtual StoreResult<std::vector<Reaction>> reactions_in(RoomId room, int64_t first_id,
                                                            int64_t last_id) = 0;
    /// Sets the participant's read marker (also backwards: "mark as unread").
    virtual StoreResult<Done> set_read_marker(int64_t participant_id, int64_t message_id) = 0;
    /// Above the participant's read marker: messages of others that are not system messages,
    /// commands or deleted; of those, the ones that mention the participant or @all; and the
    /// ones that mention the participant by name.
    virtual StoreResult<UnreadCounts> unread_counts(int64_t participant_id) = 0;
    /// The newest message every user in the room has read (the lowest read marker of the
    /// room's users; 0 without users): X-Chat-Last-Common-Read.
    virtual StoreResult<int64_t> last_common_read(RoomId room) = 0;

    /// The schema version the database is at (after the migrations at open).
    virtual StoreResult<int> schema_version() = 0;
};

}  // namespace tern::sig::backend
