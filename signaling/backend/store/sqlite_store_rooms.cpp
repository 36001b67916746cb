// SqliteStore's rooms and participants (store.hpp).
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend/store/sqlite_store_rows.hpp"

#include <algorithm>
#include <utility>

// The columns every query of a row reads, in the order the readers below expect.
#define TERN_ROOM_COLUMNS                                                                          \
    "id, token, type, name, description, password_hash, default_permissions, lobby_state, "        \
    "lobby_timer_s, read_only, sip_state, dial_in_id, one_to_one_key, call_flags, "                \
    "call_started_s, last_message_id, created_s, last_activity_s"
#define TERN_PARTICIPANT_COLUMNS                                                                   \
    "id, room_id, actor_type, actor_id, display_name, type, permissions, last_read_message, "      \
    "in_call, in_call_since_s, session_id, pin, joined_s"

namespace tern::sig::backend {

using namespace sqlite_rows;

namespace {

Room room_from(const SqliteQuery& q) {
    Room r;
    r.id = RoomId{q.int64(0)};
    r.token = q.text(1);
    r.type = static_cast<RoomType>(q.int64(2));
    r.name = q.text(3);
    r.description = q.text(4);
    r.password_hash = q.text(5);
    r.default_permissions = static_cast<uint32_t>(q.int64(6));
    r.lobby = static_cast<LobbyState>(q.int64(7));
    r.lobby_timer_s = optional_int64(q, 8);
    r.read_only = q.int64(9) != 0;
    r.sip = static_cast<SipState>(q.int64(10));
    r.dial_in_id = optional_text(q, 11);
    r.one_to_one_key = optional_text(q, 12);
    r.call_flags = static_cast<uint32_t>(q.int64(13));
    r.call_started_s = optional_int64(q, 14);
    r.last_message_id = q.int64(15);
    r.created_s = q.int64(16);
    r.last_activity_s = q.int64(17);
    return r;
}

Participant participant_from(const SqliteQuery& q) {
    Participant p;
    p.id = q.int64(0);
    p.room = RoomId{q.int64(1)};
    // A type this binary does not know was written by a newer one; shown as a deleted user.
    p.actor = Actor{parse_actor_type(q.text(2)).value_or(ActorType::DeletedUsers), q.text(3)};
    p.display_name = q.text(4);
    p.type = static_cast<ParticipantType>(q.int64(5));
    p.permissions = static_cast<uint32_t>(q.int64(6));
    p.last_read_message = q.int64(7);
    p.in_call = static_cast<uint32_t>(q.int64(8));
    p.in_call_since_s = optional_int64(q, 9);
    p.session_id = optional_text(q, 10);
    p.pin = optional_text(q, 11);
    p.joined_s = q.int64(12);
    return p;
}

StoreError renamed(StoreError e, StoreErrorKind kind, std::string message) {
    if (e.kind == kind) {
        e.message = std::move(message);
    }
    return e;
}

}  // namespace

// Rooms

StoreResult<Room> SqliteStore::add_room(const NewRoom& room) {
    auto q = db_->query(
        "INSERT INTO rooms (token, type, name, description, password_hash, default_permissions, "
        "dial_in_id, one_to_one_key, created_s, last_activity_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "?7, ?8, ?9, ?9) RETURNING " TERN_ROOM_COLUMNS);
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, std::string_view(room.token))
        .bind(2, int64_t{static_cast<uint8_t>(room.type)})
        .bind(3, std::string_view(room.name))
        .bind(4, std::string_view(room.description))
        .bind(5, std::string_view(room.password_hash))
        .bind(6, int64_t{room.default_permissions})
        .bind(9, room.created_s);
    bind_optional(*q, 7, room.dial_in_id);
    bind_optional(*q, 8, room.one_to_one_key);
    auto made = returned_row(std::move(q), room_from);
    if (!made) {
        return unexpected(renamed(made.error(), StoreErrorKind::Conflict,
                                  "a room with token '" + room.token +
                                      "', its dial-in id or its pair of users exists"));
    }
    return made;
}

StoreResult<Room> SqliteStore::create_room(const NewRoom& room,
                                           const std::vector<NewParticipant>& members,
                                           const NewChatMessage& first_message) {
    auto tx = SqliteTransaction::begin(*db_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto made = add_room(room);
    if (!made) {
        return unexpected(made.error());
    }
    for (NewParticipant member : members) {
        member.room = made->id;
        if (auto p = add_participant(member); !p) {
            return unexpected(p.error());
        }
    }
    NewChatMessage first = first_message;
    first.room = made->id;
    auto posted = insert_message(first);
    if (!posted) {
        return unexpected(posted.error());
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    made->last_message_id = posted->id;
    made->last_activity_s = std::max(made->last_activity_s, first.created_s);
    return made;
}

StoreResult<Room> SqliteStore::room_by_token(std::string_view token) {
    auto q = db_->query("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE token = ?1");
    if (q) {
        q->bind(1, token);
    }
    return one_row(std::move(q), "no room '" + std::string(token) + "'", room_from);
}

StoreResult<Room> SqliteStore::room_by_id(RoomId id) {
    auto q = db_->query("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE id = ?1");
    if (q) {
        q->bind(1, id.value);
    }
    return one_row(std::move(q), "no room with id " + std::to_string(id.value), room_from);
}

StoreResult<Room> SqliteStore::room_by_dial_in_id(std::string_view dial_in_id) {
    auto q = db_->query("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE dial_in_id = ?1");
    if (q) {
        q->bind(1, dial_in_id);
    }
    return one_row(std::move(q), "no room with that dial-in id", room_from);
}

StoreResult<Room> SqliteStore::room_by_one_to_one_key(std::string_view key) {
    auto q = db_->query("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE one_to_one_key = ?1");
    if (q) {
        q->bind(1, key);
    }
    return one_row(std::move(q), "no one-to-one room for that pair", room_from);
}

StoreResult<std::vector<Room>> SqliteStore::rooms_of(const Actor& actor) {
    auto q = db_->query("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE id IN (SELECT room_id FROM "
                        "participants WHERE actor_type = ?1 AND actor_id = ?2) ORDER BY token");
    if (q) {
        q->bind(1, std::string_view(to_string(actor.type))).bind(2, std::string_view(actor.id));
    }
    return all_rows<Room>(std::move(q), room_from);
}

StoreResult<Done> SqliteStore::update_room(const Room& room) {
    auto q = db_->query("UPDATE rooms SET type = ?2, name = ?3, description = ?4, password_hash "
                        "= ?5, default_permissions = ?6, lobby_state = ?7, lobby_timer_s = ?8, "
                        "read_only = ?9, sip_state = ?10, dial_in_id = ?11 WHERE id = ?1");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, room.id.value)
        .bind(2, int64_t{static_cast<uint8_t>(room.type)})
        .bind(3, std::string_view(room.name))
        .bind(4, std::string_view(room.description))
        .bind(5, std::string_view(room.password_hash))
        .bind(6, int64_t{room.default_permissions})
        .bind(7, int64_t{static_cast<uint8_t>(room.lobby)})
        .bind(9, int64_t{room.read_only ? 1 : 0})
        .bind(10, int64_t{static_cast<uint8_t>(room.sip)});
    bind_optional(*q, 8, room.lobby_timer_s);
    bind_optional(*q, 11, room.dial_in_id);
    auto r = change_one(*db_, std::move(q), "no such room");
    if (!r) {
        return unexpected(
            renamed(r.error(), StoreErrorKind::Conflict, "another room has that dial-in id"));
    }
    return r;
}

StoreResult<bool> SqliteStore::open_lobby_if_due(RoomId room, int64_t now_s) {
    auto q = db_->query("UPDATE rooms SET lobby_state = 0, lobby_timer_s = NULL WHERE id = ?1 AND "
                        "lobby_state != 0 AND lobby_timer_s <= ?2");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, room.value).bind(2, now_s);
    if (auto r = q->run(); !r) {
        return unexpected(r.error());
    }
    return db_->changes() > 0;
}

StoreResult<Done> SqliteStore::remove_room(RoomId id) {
    auto q = db_->query("DELETE FROM rooms WHERE id = ?1");
    if (q) {
        q->bind(1, id.value);
    }
    return change_one(*db_, std::move(q), "no such room");
}

// Participants

StoreResult<Participant> SqliteStore::add_participant(const NewParticipant& participant) {
    auto q = db_->query("INSERT INTO participants (room_id, actor_type, actor_id, display_name, "
                        "type, permissions, last_read_message, pin, joined_s) VALUES (?1, ?2, ?3, "
                        "?4, ?5, ?6, ?7, ?8, ?9) RETURNING " TERN_PARTICIPANT_COLUMNS);
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, participant.room.value)
        .bind(2, std::string_view(to_string(participant.actor.type)))
        .bind(3, std::string_view(participant.actor.id))
        .bind(4, std::string_view(participant.display_name))
        .bind(5, int64_t{static_cast<uint8_t>(participant.type)})
        .bind(6, int64_t{participant.permissions})
        .bind(7, participant.last_read_message)
        .bind(9, participant.joined_s);
    bind_optional(*q, 8, participant.pin);
    auto made = returned_row(std::move(q), participant_from);
    if (!made) {
        StoreError e = renamed(made.error(), StoreErrorKind::Conflict,
                               participant.actor.id + " is in the room already, or the PIN is "
                                                      "taken there");
        return unexpected(renamed(std::move(e), StoreErrorKind::NotFound, "no such room"));
    }
    return made;
}

StoreResult<Participant> SqliteStore::participant(RoomId room, const Actor& actor) {
    auto q = db_->query("SELECT " TERN_PARTICIPANT_COLUMNS " FROM participants WHERE room_id = ?1 "
                        "AND actor_type = ?2 AND actor_id = ?3");
    if (q) {
        q->bind(1, room.value)
            .bind(2, std::string_view(to_string(actor.type)))
            .bind(3, std::string_view(actor.id));
    }
    return one_row(std::move(q), actor.id + " is not in the room", participant_from);
}

StoreResult<Participant> SqliteStore::participant_by_id(int64_t id) {
    auto q = db_->query("SELECT " TERN_PARTICIPANT_COLUMNS " FROM participants WHERE id = ?1");
    if (q) {
        q->bind(1, id);
    }
    return one_row(std::move(q), "no participant " + std::to_string(id), participant_from);
}

StoreResult<Participant> SqliteStore::participant_by_pin(RoomId room, std::string_view pin) {
    auto q = db_->query("SELECT " TERN_PARTICIPANT_COLUMNS " FROM participants WHERE room_id = ?1 "
                        "AND pin = ?2");
    if (q) {
        q->bind(1, room.value).bind(2, pin);
    }
    return one_row(std::move(q), "no participant with that PIN", participant_from);
}

StoreResult<Participant> SqliteStore::participant_by_session(std::string_view session_id) {
    auto q =
        db_->query("SELECT " TERN_PARTICIPANT_COLUMNS " FROM participants WHERE session_id = ?1");
    if (q) {
        q->bind(1, session_id);
    }
    return one_row(std::move(q), "no participant with that session", participant_from);
}

StoreResult<std::vector<Participant>> SqliteStore::participants(RoomId room) {
    auto q = db_->query("SELECT " TERN_PARTICIPANT_COLUMNS
                        " FROM participants WHERE room_id = ?1 ORDER BY id");
    if (q) {
        q->bind(1, room.value);
    }
    return all_rows<Participant>(std::move(q), participant_from);
}

StoreResult<Done> SqliteStore::update_participant(const Participant& participant) {
    auto q = db_->query("UPDATE participants SET display_name = ?2, type = ?3, permissions = ?4, "
                        "session_id = ?5, pin = ?6 WHERE id = ?1");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, participant.id)
        .bind(2, std::string_view(participant.display_name))
        .bind(3, int64_t{static_cast<uint8_t>(participant.type)})
        .bind(4, int64_t{participant.permissions});
    bind_optional(*q, 5, participant.session_id);
    bind_optional(*q, 6, participant.pin);
    auto r = change_one(*db_, std::move(q), "no such participant");
    if (!r) {
        return unexpected(renamed(r.error(), StoreErrorKind::Conflict,
                                  "the session or the PIN belongs to another participant"));
    }
    return r;
}

StoreResult<Done> SqliteStore::remove_participant(int64_t id) {
    auto q = db_->query("DELETE FROM participants WHERE id = ?1");
    if (q) {
        q->bind(1, id);
    }
    return change_one(*db_, std::move(q), "no such participant");
}

// The call

StoreResult<CallChange> SqliteStore::set_in_call(int64_t participant_id, uint32_t flags,
                                                 int64_t now_s) {
    // BEGIN IMMEDIATE takes the write lock before the reads: nobody changes the call between
    // them and the writes.
    auto tx = SqliteTransaction::begin(*db_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto p = participant_by_id(participant_id);
    if (!p) {
        return unexpected(p.error());
    }
    auto room = room_by_id(p->room);
    if (!room) {
        return unexpected(room.error());
    }
    CallChange change;
    change.previous_flags = p->in_call;
    change.participant = *p;
    change.participant.in_call = flags;
    if (flags == 0) {
        change.participant.in_call_since_s.reset();
    } else if (p->in_call == 0) {
        change.participant.in_call_since_s = now_s;
    }
    auto up =
        db_->query("UPDATE participants SET in_call = ?2, in_call_since_s = ?3 WHERE id = ?1");
    if (!up) {
        return unexpected(up.error());
    }
    up->bind(1, participant_id).bind(2, int64_t{flags});
    bind_optional(*up, 3, change.participant.in_call_since_s);
    if (auto r = up->run(); !r) {
        return unexpected(r.error());
    }
    auto everyone = all_rows<int64_t>(
        [&] {
            auto q = db_->query("SELECT in_call FROM participants WHERE room_id = ?1");
            if (q) {
                q->bind(1, p->room.value);
            }
            return q;
        }(),
        [](const SqliteQuery& r) { return r.int64(0); });
    if (!everyone) {
        return unexpected(everyone.error());
    }
    change.room = *room;
    change.room.call_flags = 0;
    for (const int64_t f : *everyone) {
        change.room.call_flags |= static_cast<uint32_t>(f);
    }
    if (change.room.call_flags != 0 && !room->call_started_s) {
        change.started = true;
        change.room.call_started_s = now_s;
        change.room.last_activity_s = std::max(room->last_activity_s, now_s);
    } else if (change.room.call_flags == 0 && room->call_started_s) {
        change.ended = true;
        change.room.call_started_s.reset();
    }
    auto r = db_->query("UPDATE rooms SET call_flags = ?2, call_started_s = ?3, last_activity_s = "
                        "?4 WHERE id = ?1");
    if (!r) {
        return unexpected(r.error());
    }
    r->bind(1, room->id.value)
        .bind(2, int64_t{change.room.call_flags})
        .bind(4, change.room.last_activity_s);
    bind_optional(*r, 3, change.room.call_started_s);
    if (auto done = r->run(); !done) {
        return unexpected(done.error());
    }
    if (auto c = tx->commit(); !c) {
        return unexpected(c.error());
    }
    return change;
}

StoreResult<bool> SqliteStore::end_call(RoomId room) {
    auto tx = SqliteTransaction::begin(*db_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto q = db_->query("UPDATE rooms SET call_flags = 0, call_started_s = NULL WHERE id = ?1 AND "
                        "call_started_s IS NOT NULL");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, room.value);
    if (auto r = q->run(); !r) {
        return unexpected(r.error());
    }
    const bool was_on = db_->changes() > 0;
    auto out = db_->query("UPDATE participants SET in_call = 0, in_call_since_s = NULL WHERE "
                          "room_id = ?1 AND in_call != 0");
    if (!out) {
        return unexpected(out.error());
    }
    out->bind(1, room.value);
    if (auto r = out->run(); !r) {
        return unexpected(r.error());
    }
    if (auto c = tx->commit(); !c) {
        return unexpected(c.error());
    }
    return was_on;
}

}  // namespace tern::sig::backend
