// PgStore's chat: messages, mentions, reactions, read markers and unread counts (store.hpp).
// Posting takes the room's next message id with an UPDATE of the room's row, whose lock is held
// until the message is committed: a second writer in the same room waits, so ids are given in
// commit order even with several nodes writing (a shared sequence would not be: a transaction
// holding id 11 can commit before the one holding 10, and a reader at 11 would miss 10).
#include "signaling/backend/store/pg_store.hpp"
#include "signaling/backend/store/pg_store_rows.hpp"

#include <utility>

// The columns every query of a row reads, in the order the readers below expect.
#define TERN_MESSAGE_COLUMNS                                                                       \
    "room_id, id, actor_type, actor_id, actor_display_name, created_s, message, "                  \
    "message_parameters, system_message, message_type, parent_id, reference_id, silent, "          \
    "edit_actor_type, edit_actor_id, edit_actor_display_name, edit_s, deleted_s"

namespace tern::sig::backend {

using namespace pg_rows;

namespace {

// An @all mention's row in chat_mentions (no actor type is spelt so).
constexpr std::string_view kAllType = "all";

ActorType actor_type_of(const std::string& text) {
    // A type this binary does not know was written by a newer one; shown as a deleted user.
    return parse_actor_type(text).value_or(ActorType::DeletedUsers);
}

ChatMessage message_from(const PgRows& q, int i) {
    ChatMessage m;
    m.room = RoomId{q.int64(i, 0)};
    m.id = q.int64(i, 1);
    m.actor = Actor{actor_type_of(q.text(i, 2)), q.text(i, 3)};
    m.actor_display_name = q.text(i, 4);
    m.created_s = q.int64(i, 5);
    m.message = q.text(i, 6);
    m.message_parameters = q.text(i, 7);
    m.system_message = q.text(i, 8);
    m.message_type = q.text(i, 9);
    m.parent = optional_int64(q, i, 10);
    m.reference_id = q.text(i, 11);
    m.silent = boolean(q, i, 12);
    if (!q.is_null(i, 16)) {
        m.last_edit = ChatEditMark{Actor{actor_type_of(q.text(i, 13)), q.text(i, 14)},
                                   q.text(i, 15), q.int64(i, 16)};
    }
    m.deleted_s = optional_int64(q, i, 17);
    return m;
}

Reaction reaction_from(const PgRows& q, int i) {
    return Reaction{
        RoomId{q.int64(i, 0)}, q.int64(i, 1), Actor{actor_type_of(q.text(i, 2)), q.text(i, 3)},
        q.text(i, 4),          q.text(i, 5),  q.int64(i, 6)};
}

std::string no_message(int64_t id) {
    return "no message " + std::to_string(id) + " in the room";
}

}  // namespace

StoreResult<Done> PgStore::insert_mentions(RoomId room, int64_t message_id,
                                           const std::vector<ChatMention>& mentions) {
    for (const ChatMention& m : mentions) {
        auto r = conn_->run(
            "INSERT INTO chat_mentions (room_id, message_id, actor_type, actor_id) VALUES ($1, "
            "$2, $3, $4) ON CONFLICT DO NOTHING",
            PgParams()
                .add(room.value)
                .add(message_id)
                .add(m.actor ? std::string_view(to_string(m.actor->type)) : kAllType)
                .add(m.actor ? std::string_view(m.actor->id) : std::string_view()));
        if (!r) {
            return unexpected(r.error());
        }
    }
    return Done{};
}

StoreResult<ChatMessage> PgStore::post_message(const NewChatMessage& message) {
    auto tx = PgTransaction::begin(*conn_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto posted = insert_message(message);
    if (!posted) {
        return unexpected(posted.error());
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return posted;
}

StoreResult<ChatMessage> PgStore::insert_message(const NewChatMessage& message) {
    auto id = first_row(conn_->run("UPDATE rooms SET last_message_id = last_message_id + 1, "
                                   "last_activity_s = greatest(last_activity_s, $2) WHERE id = "
                                   "$1 RETURNING last_message_id",
                                   PgParams().add(message.room.value).add(message.created_s)),
                        "no such room", [](const PgRows& r, int i) { return r.int64(i, 0); });
    if (!id) {
        return unexpected(id.error());
    }
    PgParams p;
    p.add(message.room.value)
        .add(*id)
        .add(std::string_view(to_string(message.actor.type)))
        .add(std::string_view(message.actor.id))
        .add(std::string_view(message.actor_display_name))
        .add(message.created_s)
        .add(std::string_view(message.message))
        .add(std::string_view(message.message_parameters))
        .add(std::string_view(message.system_message))
        .add(std::string_view(message.message_type));
    add_optional(p, message.parent);
    p.add(std::string_view(message.reference_id));
    add_bool(p, message.silent);
    auto posted = first_row(
        conn_->run("INSERT INTO chat_messages (room_id, id, actor_type, actor_id, "
                   "actor_display_name, created_s, message, message_parameters, system_message, "
                   "message_type, parent_id, reference_id, silent) VALUES ($1, $2, $3, $4, $5, "
                   "$6, $7, $8, $9, $10, $11, $12, $13) RETURNING " TERN_MESSAGE_COLUMNS,
                   p),
        "message not posted", message_from);
    if (!posted) {
        return unexpected(posted.error());
    }
    if (auto r = insert_mentions(message.room, *id, message.mentions); !r) {
        return unexpected(r.error());
    }
    return posted;
}

StoreResult<ChatMessage> PgStore::message(RoomId room, int64_t id) {
    return first_row(conn_->run("SELECT " TERN_MESSAGE_COLUMNS
                                " FROM chat_messages WHERE room_id = $1 AND id = $2",
                                PgParams().add(room.value).add(id)),
                     no_message(id), message_from);
}

StoreResult<std::vector<ChatMessage>> PgStore::messages_after(RoomId room, int64_t after_id,
                                                              int limit) {
    return every_row<ChatMessage>(
        conn_->run("SELECT " TERN_MESSAGE_COLUMNS " FROM chat_messages WHERE room_id = $1 AND "
                   "id > $2 ORDER BY id LIMIT $3",
                   PgParams().add(room.value).add(after_id).add(int64_t{limit})),
        message_from);
}

StoreResult<std::vector<ChatMessage>> PgStore::messages_before(RoomId room, int64_t before_id,
                                                               int limit) {
    return every_row<ChatMessage>(
        conn_->run("SELECT " TERN_MESSAGE_COLUMNS " FROM chat_messages WHERE room_id = $1 AND "
                   "id < $2 ORDER BY id DESC LIMIT $3",
                   PgParams().add(room.value).add(before_id).add(int64_t{limit})),
        message_from);
}

StoreResult<ChatMessage> PgStore::edit_message(const ChatEdit& edit) {
    auto tx = PgTransaction::begin(*conn_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto edited = first_row(
        conn_->run("UPDATE chat_messages SET message = $3, message_parameters = $4, "
                   "edit_actor_type = $5, edit_actor_id = $6, edit_actor_display_name = $7, "
                   "edit_s = $8 WHERE room_id = $1 AND id = $2 RETURNING " TERN_MESSAGE_COLUMNS,
                   PgParams()
                       .add(edit.room.value)
                       .add(edit.id)
                       .add(std::string_view(edit.message))
                       .add(std::string_view(edit.message_parameters))
                       .add(std::string_view(to_string(edit.mark.actor.type)))
                       .add(std::string_view(edit.mark.actor.id))
                       .add(std::string_view(edit.mark.actor_display_name))
                       .add(edit.mark.at_s)),
        no_message(edit.id), message_from);
    if (!edited) {
        return unexpected(edited.error());
    }
    auto clear = conn_->run("DELETE FROM chat_mentions WHERE room_id = $1 AND message_id = $2",
                            PgParams().add(edit.room.value).add(edit.id));
    if (!clear) {
        return unexpected(clear.error());
    }
    if (auto r = insert_mentions(edit.room, edit.id, edit.mentions); !r) {
        return unexpected(r.error());
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return edited;
}

StoreResult<ChatMessage> PgStore::delete_message(RoomId room, int64_t id,
                                                 const ChatEditMark& mark) {
    auto tx = PgTransaction::begin(*conn_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto deleted = first_row(
        conn_->run("UPDATE chat_messages SET message = '', message_parameters = '{}', "
                   "message_type = 'comment_deleted', edit_actor_type = $3, edit_actor_id = $4, "
                   "edit_actor_display_name = $5, edit_s = $6, deleted_s = $6 WHERE room_id = $1 "
                   "AND id = $2 RETURNING " TERN_MESSAGE_COLUMNS,
                   PgParams()
                       .add(room.value)
                       .add(id)
                       .add(std::string_view(to_string(mark.actor.type)))
                       .add(std::string_view(mark.actor.id))
                       .add(std::string_view(mark.actor_display_name))
                       .add(mark.at_s)),
        no_message(id), message_from);
    if (!deleted) {
        return unexpected(deleted.error());
    }
    for (const char* sql : {"DELETE FROM chat_mentions WHERE room_id = $1 AND message_id = $2",
                            "DELETE FROM chat_reactions WHERE room_id = $1 AND message_id = $2"}) {
        if (auto r = conn_->run(sql, PgParams().add(room.value).add(id)); !r) {
            return unexpected(r.error());
        }
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return deleted;
}

StoreResult<Done> PgStore::add_reaction(const Reaction& reaction) {
    auto r = conn_->run("INSERT INTO chat_reactions (room_id, message_id, actor_type, actor_id, "
                        "actor_display_name, reaction, created_s) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7)",
                        PgParams()
                            .add(reaction.room.value)
                            .add(reaction.message_id)
                            .add(std::string_view(to_string(reaction.actor.type)))
                            .add(std::string_view(reaction.actor.id))
                            .add(std::string_view(reaction.actor_display_name))
                            .add(std::string_view(reaction.reaction))
                            .add(reaction.created_s));
    if (!r) {
        StoreError e =
            with_message(r.error(), StoreErrorKind::Conflict, "the reaction is there already");
        return unexpected(
            with_message(std::move(e), StoreErrorKind::NotFound, no_message(reaction.message_id)));
    }
    return Done{};
}

StoreResult<Done> PgStore::remove_reaction(RoomId room, int64_t message_id, const Actor& actor,
                                           std::string_view reaction) {
    return changed_one(conn_->run("DELETE FROM chat_reactions WHERE room_id = $1 AND message_id "
                                  "= $2 AND actor_type = $3 AND actor_id = $4 AND reaction = $5",
                                  PgParams()
                                      .add(room.value)
                                      .add(message_id)
                                      .add(std::string_view(to_string(actor.type)))
                                      .add(std::string_view(actor.id))
                                      .add(reaction)),
                       "no such reaction");
}

StoreResult<std::vector<Reaction>> PgStore::reactions(RoomId room, int64_t message_id) {
    return every_row<Reaction>(
        conn_->run("SELECT room_id, message_id, actor_type, actor_id, actor_display_name, "
                   "reaction, created_s FROM chat_reactions WHERE room_id = $1 AND message_id = "
                   "$2 ORDER BY id",
                   PgParams().add(room.value).add(message_id)),
        reaction_from);
}

StoreResult<std::vector<Reaction>> PgStore::reactions_in(RoomId room, int64_t first_id,
                                                         int64_t last_id) {
    return every_row<Reaction>(
        conn_->run("SELECT room_id, message_id, actor_type, actor_id, actor_display_name, "
                   "reaction, created_s FROM chat_reactions WHERE room_id = $1 AND message_id "
                   "BETWEEN $2 AND $3 ORDER BY message_id, id",
                   PgParams().add(room.value).add(first_id).add(last_id)),
        reaction_from);
}

StoreResult<Done> PgStore::set_read_marker(int64_t participant_id, int64_t message_id) {
    return changed_one(conn_->run("UPDATE participants SET last_read_message = $2 WHERE id = $1",
                                  PgParams().add(participant_id).add(message_id)),
                       "no such participant");
}

StoreResult<UnreadCounts> PgStore::unread_counts(int64_t participant_id) {
    auto p = participant_by_id(participant_id);
    if (!p) {
        return unexpected(p.error());
    }
    // Mentions of deleted messages are gone with them (delete_message).
    return first_row(
        conn_->run(
            "SELECT (SELECT count(*) FROM chat_messages WHERE room_id = $1 AND id > $2 AND "
            "message_type NOT IN ('system', 'command', 'comment_deleted') AND NOT (actor_type = "
            "$3 AND actor_id = $4)), count(DISTINCT n.message_id), count(DISTINCT CASE WHEN "
            "n.actor_type = $3 THEN n.message_id END) FROM chat_mentions n JOIN chat_messages c "
            "ON c.room_id = n.room_id AND c.id = n.message_id WHERE n.room_id = $1 AND "
            "n.message_id > $2 AND ((n.actor_type = $3 AND n.actor_id = $4) OR n.actor_type = "
            "'all') AND c.message_type NOT IN ('system', 'command', 'comment_deleted') AND NOT "
            "(c.actor_type = $3 AND c.actor_id = $4)",
            PgParams()
                .add(p->room.value)
                .add(p->last_read_message)
                .add(std::string_view(to_string(p->actor.type)))
                .add(std::string_view(p->actor.id))),
        "", [](const PgRows& r, int i) {
            return UnreadCounts{r.int64(i, 0), r.int64(i, 1), r.int64(i, 2)};
        });
}

StoreResult<int64_t> PgStore::last_common_read(RoomId room) {
    return first_row(conn_->run("SELECT coalesce(min(last_read_message), 0) FROM participants "
                                "WHERE room_id = $1 AND actor_type = 'users'",
                                PgParams().add(room.value)),
                     "", [](const PgRows& r, int i) { return r.int64(i, 0); });
}

}  // namespace tern::sig::backend
