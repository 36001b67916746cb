// PgStore's rooms and participants (store.hpp).
#include "signaling/backend/store/pg_store.hpp"
#include "signaling/backend/store/pg_store_rows.hpp"

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

using namespace pg_rows;

namespace {

Room room_from(const PgRows& q, int i) {
    Room r;
    r.id = RoomId{q.int64(i, 0)};
    r.token = q.text(i, 1);
    r.type = static_cast<RoomType>(q.int64(i, 2));
    r.name = q.text(i, 3);
    r.description = q.text(i, 4);
    r.password_hash = q.text(i, 5);
    r.default_permissions = static_cast<uint32_t>(q.int64(i, 6));
    r.lobby = static_cast<LobbyState>(q.int64(i, 7));
    r.lobby_timer_s = optional_int64(q, i, 8);
    r.read_only = boolean(q, i, 9);
    r.sip = static_cast<SipState>(q.int64(i, 10));
    r.dial_in_id = optional_text(q, i, 11);
    r.one_to_one_key = optional_text(q, i, 12);
    r.call_flags = static_cast<uint32_t>(q.int64(i, 13));
    r.call_started_s = optional_int64(q, i, 14);
    r.last_message_id = q.int64(i, 15);
    r.created_s = q.int64(i, 16);
    r.last_activity_s = q.int64(i, 17);
    return r;
}

Participant participant_from(const PgRows& q, int i) {
    Participant p;
    p.id = q.int64(i, 0);
    p.room = RoomId{q.int64(i, 1)};
    // A type this binary does not know was written by a newer one; shown as a deleted user.
    p.actor = Actor{parse_actor_type(q.text(i, 2)).value_or(ActorType::DeletedUsers), q.text(i, 3)};
    p.display_name = q.text(i, 4);
    p.type = static_cast<ParticipantType>(q.int64(i, 5));
    p.permissions = static_cast<uint32_t>(q.int64(i, 6));
    p.last_read_message = q.int64(i, 7);
    p.in_call = static_cast<uint32_t>(q.int64(i, 8));
    p.in_call_since_s = optional_int64(q, i, 9);
    p.session_id = optional_text(q, i, 10);
    p.pin = optional_text(q, i, 11);
    p.joined_s = q.int64(i, 12);
    return p;
}

}  // namespace

// Rooms

StoreResult<Room> PgStore::add_room(const NewRoom& room) {
    PgParams p;
    p.add(std::string_view(room.token))
        .add(int64_t{static_cast<uint8_t>(room.type)})
        .add(std::string_view(room.name))
        .add(std::string_view(room.description))
        .add(std::string_view(room.password_hash))
        .add(int64_t{room.default_permissions});
    add_optional(p, room.dial_in_id);
    add_optional(p, room.one_to_one_key);
    p.add(room.created_s);
    auto r = conn_->run(
        "INSERT INTO rooms (token, type, name, description, password_hash, default_permissions, "
        "dial_in_id, one_to_one_key, created_s, last_activity_s) VALUES ($1, $2, $3, $4, $5, $6, "
        "$7, $8, $9, $9) RETURNING " TERN_ROOM_COLUMNS,
        p);
    if (!r) {
        return unexpected(with_message(r.error(), StoreErrorKind::Conflict,
                                       "a room with token '" + room.token +
                                           "', its dial-in id or its pair of users exists"));
    }
    return first_row(std::move(r), "room not added", room_from);
}

StoreResult<Room> PgStore::create_room(const NewRoom& room,
                                       const std::vector<NewParticipant>& members,
                                       const NewChatMessage& first_message) {
    auto tx = PgTransaction::begin(*conn_);
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

StoreResult<Room> PgStore::room_by_token(std::string_view token) {
    return first_row(conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE token = $1",
                                PgParams().add(token)),
                     "no room '" + std::string(token) + "'", room_from);
}

StoreResult<Room> PgStore::room_by_id(RoomId id) {
    return first_row(conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE id = $1",
                                PgParams().add(id.value)),
                     "no room with id " + std::to_string(id.value), room_from);
}

StoreResult<Room> PgStore::room_by_dial_in_id(std::string_view dial_in_id) {
    return first_row(conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE dial_in_id = $1",
                                PgParams().add(dial_in_id)),
                     "no room with that dial-in id", room_from);
}

StoreResult<Room> PgStore::room_by_one_to_one_key(std::string_view key) {
    return first_row(conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE one_to_one_key = $1",
                                PgParams().add(key)),
                     "no one-to-one room for that pair", room_from);
}

StoreResult<std::vector<Room>> PgStore::rooms_of(const Actor& actor) {
    return every_row<Room>(
        conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE id IN (SELECT room_id FROM "
                   "participants WHERE actor_type = $1 AND actor_id = $2) ORDER BY token "
                   "COLLATE \"C\"",
                   PgParams().add(std::string_view(to_string(actor.type))).add(actor.id)),
        room_from);
}

StoreResult<Done> PgStore::update_room(const Room& room) {
    PgParams p;
    p.add(room.id.value)
        .add(int64_t{static_cast<uint8_t>(room.type)})
        .add(std::string_view(room.name))
        .add(std::string_view(room.description))
        .add(std::string_view(room.password_hash))
        .add(int64_t{room.default_permissions})
        .add(int64_t{static_cast<uint8_t>(room.lobby)});
    add_optional(p, room.lobby_timer_s);
    add_bool(p, room.read_only);
    p.add(int64_t{static_cast<uint8_t>(room.sip)});
    add_optional(p, room.dial_in_id);
    auto r = changed_one(
        conn_->run("UPDATE rooms SET type = $2, name = $3, description = $4, password_hash = $5, "
                   "default_permissions = $6, lobby_state = $7, lobby_timer_s = $8, read_only = "
                   "$9, sip_state = $10, dial_in_id = $11 WHERE id = $1",
                   p),
        "no such room");
    if (!r) {
        return unexpected(
            with_message(r.error(), StoreErrorKind::Conflict, "another room has that dial-in id"));
    }
    return r;
}

StoreResult<bool> PgStore::open_lobby_if_due(RoomId room, int64_t now_s) {
    auto r = conn_->run("UPDATE rooms SET lobby_state = 0, lobby_timer_s = NULL WHERE id = $1 AND "
                        "lobby_state != 0 AND lobby_timer_s <= $2",
                        PgParams().add(room.value).add(now_s));
    if (!r) {
        return unexpected(r.error());
    }
    return r->affected() > 0;
}

StoreResult<Done> PgStore::remove_room(RoomId id) {
    return changed_one(conn_->run("DELETE FROM rooms WHERE id = $1", PgParams().add(id.value)),
                       "no such room");
}

// Participants

StoreResult<Participant> PgStore::add_participant(const NewParticipant& participant) {
    PgParams p;
    p.add(participant.room.value)
        .add(std::string_view(to_string(participant.actor.type)))
        .add(std::string_view(participant.actor.id))
        .add(std::string_view(participant.display_name))
        .add(int64_t{static_cast<uint8_t>(participant.type)})
        .add(int64_t{participant.permissions})
        .add(participant.last_read_message);
    add_optional(p, participant.pin);
    p.add(participant.joined_s);
    auto r = conn_->run("INSERT INTO participants (room_id, actor_type, actor_id, display_name, "
                        "type, permissions, last_read_message, pin, joined_s) VALUES ($1, $2, $3, "
                        "$4, $5, $6, $7, $8, $9) RETURNING " TERN_PARTICIPANT_COLUMNS,
                        p);
    if (!r) {
        StoreError e = with_message(r.error(), StoreErrorKind::Conflict,
                                    participant.actor.id +
                                        " is in the room already, or the PIN is taken there");
        return unexpected(with_message(std::move(e), StoreErrorKind::NotFound, "no such room"));
    }
    return first_row(std::move(r), "participant not added", participant_from);
}

StoreResult<Participant> PgStore::participant(RoomId room, const Actor& actor) {
    return first_row(
        conn_->run(
            "SELECT " TERN_PARTICIPANT_COLUMNS
            " FROM participants WHERE room_id = $1 AND actor_type = $2 AND "
            "actor_id = $3",
            PgParams().add(room.value).add(std::string_view(to_string(actor.type))).add(actor.id)),
        actor.id + " is not in the room", participant_from);
}

StoreResult<Participant> PgStore::participant_by_id(int64_t id) {
    return first_row(conn_->run("SELECT " TERN_PARTICIPANT_COLUMNS
                                " FROM participants WHERE id = $1",
                                PgParams().add(id)),
                     "no participant " + std::to_string(id), participant_from);
}

StoreResult<Participant> PgStore::participant_by_pin(RoomId room, std::string_view pin) {
    return first_row(conn_->run("SELECT " TERN_PARTICIPANT_COLUMNS
                                " FROM participants WHERE room_id = $1 AND pin = $2",
                                PgParams().add(room.value).add(pin)),
                     "no participant with that PIN", participant_from);
}

StoreResult<Participant> PgStore::participant_by_session(std::string_view session_id) {
    return first_row(conn_->run("SELECT " TERN_PARTICIPANT_COLUMNS
                                " FROM participants WHERE session_id = $1",
                                PgParams().add(session_id)),
                     "no participant with that session", participant_from);
}

StoreResult<std::vector<Participant>> PgStore::participants(RoomId room) {
    return every_row<Participant>(conn_->run("SELECT " TERN_PARTICIPANT_COLUMNS
                                             " FROM participants WHERE room_id = $1 ORDER BY id",
                                             PgParams().add(room.value)),
                                  participant_from);
}

StoreResult<Done> PgStore::update_participant(const Participant& participant) {
    PgParams p;
    p.add(participant.id)
        .add(std::string_view(participant.display_name))
        .add(int64_t{static_cast<uint8_t>(participant.type)})
        .add(int64_t{participant.permissions});
    add_optional(p, participant.session_id);
    add_optional(p, participant.pin);
    auto r = changed_one(conn_->run("UPDATE participants SET display_name = $2, type = $3, "
                                    "permissions = $4, session_id = $5, pin = $6 WHERE id = $1",
                                    p),
                         "no such participant");
    if (!r) {
        return unexpected(with_message(r.error(), StoreErrorKind::Conflict,
                                       "the session or the PIN belongs to another participant"));
    }
    return r;
}

StoreResult<Done> PgStore::remove_participant(int64_t id) {
    return changed_one(conn_->run("DELETE FROM participants WHERE id = $1", PgParams().add(id)),
                       "no such participant");
}

// The call

StoreResult<CallChange> PgStore::set_in_call(int64_t participant_id, uint32_t flags,
                                             int64_t now_s) {
    auto tx = PgTransaction::begin(*conn_);
    if (!tx) {
        return unexpected(tx.error());
    }
    // The room's row first, locked until commit: changes of the same call queue up here.
    auto room = first_row(conn_->run("SELECT " TERN_ROOM_COLUMNS " FROM rooms WHERE id = (SELECT "
                                     "room_id FROM participants WHERE id = $1) FOR UPDATE",
                                     PgParams().add(participant_id)),
                          "no such participant", room_from);
    if (!room) {
        return unexpected(room.error());
    }
    auto p = participant_by_id(participant_id);
    if (!p) {
        return unexpected(p.error());
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
    PgParams up;
    up.add(participant_id).add(int64_t{flags});
    add_optional(up, change.participant.in_call_since_s);
    if (auto r = conn_->run("UPDATE participants SET in_call = $2, in_call_since_s = $3 WHERE id "
                            "= $1",
                            up);
        !r) {
        return unexpected(r.error());
    }
    auto everyone =
        every_row<int64_t>(conn_->run("SELECT in_call FROM participants WHERE room_id = $1",
                                      PgParams().add(room->id.value)),
                           [](const PgRows& r, int i) { return r.int64(i, 0); });
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
    PgParams rp;
    rp.add(room->id.value).add(int64_t{change.room.call_flags});
    add_optional(rp, change.room.call_started_s);
    rp.add(change.room.last_activity_s);
    if (auto r = conn_->run("UPDATE rooms SET call_flags = $2, call_started_s = $3, "
                            "last_activity_s = $4 WHERE id = $1",
                            rp);
        !r) {
        return unexpected(r.error());
    }
    if (auto c = tx->commit(); !c) {
        return unexpected(c.error());
    }
    return change;
}

StoreResult<bool> PgStore::end_call(RoomId room) {
    auto tx = PgTransaction::begin(*conn_);
    if (!tx) {
        return unexpected(tx.error());
    }
    auto ended = conn_->run("UPDATE rooms SET call_flags = 0, call_started_s = NULL WHERE id = $1 "
                            "AND call_started_s IS NOT NULL",
                            PgParams().add(room.value));
    if (!ended) {
        return unexpected(ended.error());
    }
    if (auto r = conn_->run("UPDATE participants SET in_call = 0, in_call_since_s = NULL WHERE "
                            "room_id = $1 AND in_call != 0",
                            PgParams().add(room.value));
        !r) {
        return unexpected(r.error());
    }
    if (auto c = tx->commit(); !c) {
        return unexpected(c.error());
    }
    return ended->affected() > 0;
}

}  // namespace tern::sig::backend
