// SqliteStore's chat: messages, mentions, reactions, read markers and unread counts (store.hpp).
// Posting takes the room's next message id and inserts the message in one IMMEDIATE
// transaction: SQLite has one writer at a time, so ids are given in commit order.
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend/store/sqlite_store_rows.hpp"

#include <utility>

// The columns every query of a row reads, in the order the readers below expect.
#define TERN_MESSAGE_COLUMNS                                                                       \
    "room_id, id, actor_type, actor_id, actor_display_name, created_s, message, "                  \
    "message_parameters, system_message, message_type, parent_id, reference_id, silent, "          \
    "edit_actor_type, edit_actor_id, edit_actor_display_name, edit_s, deleted_s"

namespace tern::sig::backend {

using namespace sqlite_rows;

namespace {

// An @all mention's row in chat_mentions (no actor type is spelt so).
constexpr std::string_view kAllType = "all";

ActorType actor_type_of(const std::string& text) {
    // A type this binary does not know was written by a newer one; shown as a deleted user.
    return parse_actor_type(text).value_or(ActorType::DeletedUsers);
}

ChatMessage message_from(const SqliteQuery& q) {
    ChatMessage m;
    m.room = RoomId{q.int64(0)};
    m.id = q.int64(1);
    m.actor = Actor{actor_type_of(q.text(2)), q.text(3)};
    m.actor_display_name = q.text(4);
    m.created_s = q.int64(5);
    m.message = q.text(6);
    m.message_parameters = q.text(7);
    m.system_message = q.text(8);
    m.message_type = q.text(9);
    m.parent = optional_int64(q, 10);
    m.reference_id = q.text(11);
    m.silent = q.int64(12) != 0;
    if (!q.is_null(16)) {
        m.last_edit =
            ChatEditMark{Actor{actor_type_of(q.text(13)), q.text(14)}, q.text(15), q.int64(16)};
    }
    m.deleted_s = optional_int64(q, 17);
    return m;
}

Reaction reaction_from(const SqliteQuery& q) {
    return Reaction{RoomId{q.int64(0)}, q.int64(1), Actor{actor_type_of(q.text(2)), q.text(3)},
                    q.text(4),          q.text(5),  q.int64(6)};
}

}  // namespace

StoreResult<Done> SqliteStore::insert_mentions(RoomId room, int64_t message_id,
                                               const std::vector<ChatMention>& mentions) {
    for (const ChatMention& m : mentions) {
        auto q = db_->query("INSERT INTO chat_mentions (room_id, message_id, actor_type, actor_id) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
        if (!q) {
            return unexpected(q.error());
        }
        q->bind(1, room.value)
            .bind(2, message_id)
            .bind(3, m.actor ? std::string_view(to_string(m.actor->type)) : kAllType)
            .bind(4, m.actor ? std::string_view(m.actor->id) : std::string_view());
        if (auto r = q->run(); !r) {
            return r;
        }
    }
    return Done{};
}

StoreResult<ChatMessage> SqliteStore::post_message(const NewChatMessage& message) {
    auto tx = SqliteTransaction::begin(*db_);
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

StoreResult<ChatMessage> SqliteStore::insert_message(const NewChatMessage& message) {
    auto next = db_->query("UPDATE rooms SET last_message_id = last_message_id + 1, "
                           "last_activity_s = max(last_activity_s, ?2) WHERE id = ?1 RETURNING "
                           "last_message_id");
    if (next) {
        next->bind(1, message.room.value).bind(2, message.created_s);
    }
    auto id = returned_row(std::move(next), [](const SqliteQuery& q) { return q.int64(0); });
    if (!id) {
        StoreError e = id.error();
        if (e.kind == StoreErrorKind::NotFound) {
            e.message = "no such room";
        }
        return unexpected(e);
    }
    auto q = db_->query(
        "INSERT INTO chat_messages (room_id, id, actor_type, actor_id, actor_display_name, "
        "created_s, message, message_parameters, system_message, message_type, parent_id, "
        "reference_id, silent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
        "RETURNING " TERN_MESSAGE_COLUMNS);
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, message.room.value)
        .bind(2, *id)
        .bind(3, std::string_view(to_string(message.actor.type)))
        .bind(4, std::string_view(message.actor.id))
        .bind(5, std::string_view(message.actor_display_name))
        .bind(6, message.created_s)
        .bind(7, std::string_view(message.message))
        .bind(8, std::string_view(message.message_parameters))
        .bind(9, std::string_view(message.system_message))
        .bind(10, std::string_view(message.message_type))
        .bind(12, std::string_view(message.reference_id))
        .bind(13, int64_t{message.silent ? 1 : 0});
    bind_optional(*q, 11, message.parent);
    auto posted = returned_row(std::move(q), message_from);
    if (!posted) {
        return unexpected(posted.error());
    }
    if (auto r = insert_mentions(message.room, *id, message.mentions); !r) {
        return unexpected(r.error());
    }
    return posted;
}

StoreResult<ChatMessage> SqliteStore::message(RoomId room, int64_t id) {
    auto q = db_->query("SELECT " TERN_MESSAGE_COLUMNS
                        " FROM chat_messages WHERE room_id = ?1 AND id = ?2");
    if (q) {
        q->bind(1, room.value).bind(2, id);
    }
    return one_row(std::move(q), "no message " + std::to_string(id) + " in the room", message_from);
}

StoreResult<std::vector<ChatMessage>> SqliteStore::messages_after(RoomId room, int64_t after_id,
                                                                  int limit) {
    auto q = db_->query("SELECT " TERN_MESSAGE_COLUMNS " FROM chat_messages WHERE room_id = ?1 "
                        "AND id > ?2 ORDER BY id LIMIT ?3");
    if (q) {
        q->bind(1, room.value).bind(2, after_id).bind(3, int64_t{limit});
    }
    return all_rows<ChatMessage>(std::move(q), message_from);
}

StoreResult<std::vector<ChatMessage>> SqliteStore::messages_before(RoomId room, int64_t before_id,
                                                                   int limit) {
    auto q = db_->query("SELECT " TERN_MESSAGE_COLUMNS " FROM chat_messages WHERE room_id = ?1 "
                        "AND id < ?2 ORDER BY id DESC LIMIT ?3");
    if (q) {
        q->bind(1, room.value).bind(2, before_id).bind(3, int64_t{limit});
    }
    return all_rows<ChatMessage>(std::move(q), message_from);
}

StoreResult<ChatMessage> SqliteStore::edit_message(const ChatEdit& edit) {
    auto tx = SqliteTransaction::begin(*db_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto q =
        db_->query("UPDATE chat_messages SET message = ?3, message_parameters = ?4, "
                   "edit_actor_type = ?5, edit_actor_id = ?6, edit_actor_display_name = ?7, "
                   "edit_s = ?8 WHERE room_id = ?1 AND id = ?2 RETURNING " TERN_MESSAGE_COLUMNS);
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, edit.room.value)
        .bind(2, edit.id)
        .bind(3, std::string_view(edit.message))
        .bind(4, std::string_view(edit.message_parameters))
        .bind(5, std::string_view(to_string(edit.mark.actor.type)))
        .bind(6, std::string_view(edit.mark.actor.id))
        .bind(7, std::string_view(edit.mark.actor_display_name))
        .bind(8, edit.mark.at_s);
    auto edited = returned_row(std::move(q), message_from);
    if (!edited) {
        return unexpected(edited.error().kind == StoreErrorKind::NotFound
                              ? not_found("no message " + std::to_string(edit.id) + " in the room")
                              : edited.error());
    }
    auto clear = db_->query("DELETE FROM chat_mentions WHERE room_id = ?1 AND message_id = ?2");
    if (!clear) {
        return unexpected(clear.error());
    }
    clear->bind(1, edit.room.value).bind(2, edit.id);
    if (auto r = clear->run(); !r) {
        return unexpected(r.error());
    }
    if (auto r = insert_mentions(edit.room, edit.id, edit.mentions); !r) {
        return unexpected(r.error());
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return edited;
}

StoreResult<ChatMessage> SqliteStore::delete_message(RoomId room, int64_t id,
                                                     const ChatEditMark& mark) {
    auto tx = SqliteTransaction::begin(*db_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto q = db_->query("UPDATE chat_messages SET message = '', message_parameters = '{}', "
                        "message_type = 'comment_deleted', edit_actor_type = ?3, edit_actor_id = "
                        "?4, edit_actor_display_name = ?5, edit_s = ?6, deleted_s = ?6 WHERE "
                        "room_id = ?1 AND id = ?2 RETURNING " TERN_MESSAGE_COLUMNS);
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, room.value)
        .bind(2, id)
        .bind(3, std::string_view(to_string(mark.actor.type)))
        .bind(4, std::string_view(mark.actor.id))
        .bind(5, std::string_view(mark.actor_display_name))
        .bind(6, mark.at_s);
    auto deleted = returned_row(std::move(q), message_from);
    if (!deleted) {
        return unexpected(deleted.error().kind == StoreErrorKind::NotFound
                              ? not_found("no message " + std::to_string(id) + " in the room")
                              : deleted.error());
    }
    for (const char* sql : {"DELETE FROM chat_mentions WHERE room_id = ?1 AND message_id = ?2",
                            "DELETE FROM chat_reactions WHERE room_id = ?1 AND message_id = ?2"}) {
        auto d = db_->query(sql);
        if (!d) {
            return unexpected(d.error());
        }
        d->bind(1, room.value).bind(2, id);
        if (auto r = d->run(); !r) {
            return unexpected(r.error());
        }
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return deleted;
}

StoreResult<Done> SqliteStore::add_reaction(const Reaction& reaction) {
    auto q = db_->query("INSERT INTO chat_reactions (room_id, message_id, actor_type, actor_id, "
                        "actor_display_name, reaction, created_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                        "?7)");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, reaction.room.value)
        .bind(2, reaction.message_id)
        .bind(3, std::string_view(to_string(reaction.actor.type)))
        .bind(4, std::string_view(reaction.actor.id))
        .bind(5, std::string_view(reaction.actor_display_name))
        .bind(6, std::string_view(reaction.reaction))
        .bind(7, reaction.created_s);
    if (auto r = q->run(); !r) {
        StoreError e = r.error();
        if (e.kind == StoreErrorKind::Conflict) {
            e.message = "the reaction is there already";
        } else if (e.kind == StoreErrorKind::NotFound) {
            e.message = "no message " + std::to_string(reaction.message_id) + " in the room";
        }
        return unexpected(e);
    }
    return Done{};
}

StoreResult<Done> SqliteStore::remove_reaction(RoomId room, int64_t message_id, const Actor& actor,
                                               std::string_view reaction) {
    auto q = db_->query("DELETE FROM chat_reactions WHERE room_id = ?1 AND message_id = ?2 AND "
                        "actor_type = ?3 AND actor_id = ?4 AND reaction = ?5");
    if (q) {
        q->bind(1, room.value)
            .bind(2, message_id)
            .bind(3, std::string_view(to_string(actor.type)))
            .bind(4, std::string_view(actor.id))
            .bind(5, reaction);
    }
    return change_one(*db_, std::move(q), "no such reaction");
}

StoreResult<std::vector<Reaction>> SqliteStore::reactions(RoomId room, int64_t message_id) {
    auto q = db_->query("SELECT room_id, message_id, actor_type, actor_id, actor_display_name, "
                        "reaction, created_s FROM chat_reactions WHERE room_id = ?1 AND "
                        "message_id = ?2 ORDER BY id");
    if (q) {
        q->bind(1, room.value).bind(2, message_id);
    }
    return all_rows<Reaction>(std::move(q), reaction_from);
}

StoreResult<std::vector<Reaction>> SqliteStore::reactions_in(RoomId room, int64_t first_id,
                                                             int64_t last_id) {
    auto q = db_->query("SELECT room_id, message_id, actor_type, actor_id, actor_display_name, "
                        "reaction, created_s FROM chat_reactions WHERE room_id = ?1 AND "
                        "message_id BETWEEN ?2 AND ?3 ORDER BY message_id, id");
    if (q) {
        q->bind(1, room.value).bind(2, first_id).bind(3, last_id);
    }
    return all_rows<Reaction>(std::move(q), reaction_from);
}

StoreResult<Done> SqliteStore::set_read_marker(int64_t participant_id, int64_t message_id) {
    auto q = db_->query("UPDATE participants SET last_read_message = ?2 WHERE id = ?1");
    if (q) {
        q->bind(1, participant_id).bind(2, message_id);
    }
    return change_one(*db_, std::move(q), "no such participant");
}

StoreResult<UnreadCounts> SqliteStore::unread_counts(int64_t participant_id) {
    auto p = participant_by_id(participant_id);
    if (!p) {
        return unexpected(p.error());
    }
    const std::string_view type = to_string(p->actor.type);
    auto q = db_->query(
        "SELECT count(*) FROM chat_messages WHERE room_id = ?1 AND id > ?2 AND message_type NOT "
        "IN ('system', 'command', 'comment_deleted') AND NOT (actor_type = ?3 AND actor_id = ?4)");
    if (q) {
        q->bind(1, p->room.value)
            .bind(2, p->last_read_message)
            .bind(3, type)
            .bind(4, std::string_view(p->actor.id));
    }
    auto messages = one_row(std::move(q), "", [](const SqliteQuery& r) { return r.int64(0); });
    if (!messages) {
        return unexpected(messages.error());
    }
    // Mentions of deleted messages are gone with them (delete_message).
    auto m = db_->query(
        "SELECT count(DISTINCT n.message_id), count(DISTINCT CASE WHEN n.actor_type = ?3 THEN "
        "n.message_id END) FROM chat_mentions n JOIN chat_messages c ON c.room_id = n.room_id AND "
        "c.id = n.message_id WHERE n.room_id = ?1 AND n.message_id > ?2 AND ((n.actor_type = ?3 "
        "AND n.actor_id = ?4) OR n.actor_type = 'all') AND c.message_type NOT IN ('system', "
        "'command', 'comment_deleted') AND NOT (c.actor_type = ?3 AND c.actor_id "
        "= ?4)");
    if (m) {
        m->bind(1, p->room.value)
            .bind(2, p->last_read_message)
            .bind(3, type)
            .bind(4, std::string_view(p->actor.id));
    }
    return one_row(std::move(m), "", [&](const SqliteQuery& r) {
        return UnreadCounts{*messages, r.int64(0), r.int64(1)};
    });
}

StoreResult<int64_t> SqliteStore::last_common_read(RoomId room) {
    auto q = db_->query("SELECT coalesce(min(last_read_message), 0) FROM participants WHERE "
                        "room_id = ?1 AND actor_type = 'users'");
    if (q) {
        q->bind(1, room.value);
    }
    return one_row(std::move(q), "", [](const SqliteQuery& r) { return r.int64(0); });
}

}  // namespace tern::sig::backend
