// The Store on one SQLite file (the default: one signaling node). Settings and their reasons are
// in sqlite_db.hpp; the schema and its migrations in sqlite_schema.hpp. Opening migrates the
// file to this binary's schema or refuses it (TooNew). Every write is one statement or one
// transaction, committed with synchronous=FULL before the call returns.
#pragma once

#include "signaling/backend/store/sqlite_db.hpp"
#include "signaling/backend/store/store.hpp"

#include <memory>
#include <string>

namespace tern::sig::backend {

class SqliteStore final : public Store {
public:
    static StoreResult<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                          const SqliteOptions& options = {});

    StoreResult<User> add_user(const NewUser& user) override;
    StoreResult<User> find_user(std::string_view name) override;
    StoreResult<User> user_by_id(UserId id) override;
    StoreResult<std::vector<User>> list_users() override;
    StoreResult<Done> set_password_hash(UserId id, std::string_view hash) override;
    StoreResult<Done> remove_user(UserId id) override;

    StoreResult<AppPassword> add_app_password(const NewAppPassword& password) override;
    StoreResult<AppPassword> find_app_password(std::string_view hash) override;
    StoreResult<std::vector<AppPassword>> app_passwords(UserId user) override;
    StoreResult<Done> touch_app_password(int64_t id, int64_t now_s) override;
    StoreResult<Done> remove_app_password(int64_t id) override;

    StoreResult<Done> add_login_session(const LoginSession& session) override;
    StoreResult<LoginSession> find_login_session(std::string_view token_hash) override;
    StoreResult<Done> remove_login_session(std::string_view token_hash) override;
    StoreResult<uint64_t> remove_user_sessions(UserId user) override;
    StoreResult<uint64_t> remove_expired_sessions(int64_t now_s) override;

    StoreResult<Room> add_room(const NewRoom& room) override;
    StoreResult<Room> create_room(const NewRoom& room, const std::vector<NewParticipant>& members,
                                  const NewChatMessage& first_message) override;
    StoreResult<Room> room_by_token(std::string_view token) override;
    StoreResult<Room> room_by_id(RoomId id) override;
    StoreResult<Room> room_by_dial_in_id(std::string_view dial_in_id) override;
    StoreResult<Room> room_by_one_to_one_key(std::string_view key) override;
    StoreResult<std::vector<Room>> rooms_of(const Actor& actor) override;
    StoreResult<Done> update_room(const Room& room) override;
    StoreResult<bool> open_lobby_if_due(RoomId room, int64_t now_s) override;
    StoreResult<Done> remove_room(RoomId id) override;

    StoreResult<Participant> add_participant(const NewParticipant& participant) override;
    StoreResult<Participant> participant(RoomId room, const Actor& actor) override;
    StoreResult<Participant> participant_by_id(int64_t id) override;
    StoreResult<Participant> participant_by_pin(RoomId room, std::string_view pin) override;
    StoreResult<Participant> participant_by_session(std::string_view session_id) override;
    StoreResult<std::vector<Participant>> participants(RoomId room) override;
    StoreResult<Done> update_participant(const Participant& participant) override;
    StoreResult<Done> remove_participant(int64_t id) override;

    StoreResult<CallChange> set_in_call(int64_t participant_id, uint32_t flags,
                                        int64_t now_s) override;
    StoreResult<bool> end_call(RoomId room) override;

    StoreResult<ChatMessage> post_message(const NewChatMessage& message) override;
    StoreResult<ChatMessage> message(RoomId room, int64_t id) override;
    StoreResult<std::vector<ChatMessage>> messages_after(RoomId room, int64_t after_id,
                                                         int limit) override;
    StoreResult<std::vector<ChatMessage>> messages_before(RoomId room, int64_t before_id,
                                                          int limit) override;
    StoreResult<ChatMessage> edit_message(const ChatEdit& edit) override;
    StoreResult<ChatMessage> delete_message(RoomId room, int64_t id,
                                            const ChatEditMark& mark) override;
    StoreResult<Done> add_reaction(const Reaction& reaction) override;
    StoreResult<Done> remove_reaction(RoomId room, int64_t message_id, const Actor& actor,
                                      std::string_view reaction) override;
    StoreResult<std::vector<Reaction>> reactions(RoomId room, int64_t message_id) override;
    StoreResult<std::vector<Reaction>> reactions_in(RoomId room, int64_t first_id,
                                                    int64_t last_id) override;
    StoreResult<Done> set_read_marker(int64_t participant_id, int64_t message_id) override;
    StoreResult<UnreadCounts> unread_counts(int64_t participant_id) override;
    StoreResult<int64_t> last_common_read(RoomId room) override;

    StoreResult<int> schema_version() override;

private:
    explicit SqliteStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

    /// The rows of a message's mentions (inside the caller's transaction).
    /// post_message without a transaction of its own (inside the caller's).
    StoreResult<ChatMessage> insert_message(const NewChatMessage& message);
    StoreResult<Done> insert_mentions(RoomId room, int64_t message_id,
                                      const std::vector<ChatMention>& mentions);

    std::unique_ptr<SqliteDb> db_;  // owned
};

}  // namespace tern::sig::backend
