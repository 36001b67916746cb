#include "signaling/backend/rooms/rooms.hpp"

#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/room_policy.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace tern::sig::backend {

namespace {

// A fresh token collides with an existing one about once in 36^8 / rooms; retried a few
// times, a failure means a broken random source, not bad luck.
constexpr int kTokenAttempts = 5;
constexpr int kPinAttempts = 10;
constexpr std::size_t kMaxNameLen = 255;
constexpr std::size_t kMaxDescriptionLen = 2000;

TalkError invalid(std::string why) {
    return TalkError{TalkErrorKind::InvalidInput, std::move(why)};
}

NamedActor named(const Participant& p) {
    return NamedActor{p.actor, p.display_name};
}

NewParticipant owner(const NamedActor& who, int64_t now_s) {
    return NewParticipant{RoomId{}, who.actor, who.display_name, ParticipantType::Owner, 0, 0,
                          {},       now_s};
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

std::string one_to_one_key(std::string_view a, std::string_view b) {
    std::string x = lower(a);
    std::string y = lower(b);
    if (y < x) {
        std::swap(x, y);
    }
    return x + "\n" + y;
}

bool valid_room_name(std::string_view name) noexcept {
    return !name.empty() && name.size() <= kMaxNameLen && !has_control(name);
}

NamedActor system_actor() {
    return NamedActor{Actor{ActorType::Guests, "system"}, ""};
}

// Creation and membership

TalkResult<CreatedRoom> Rooms::create(const NamedActor& creator, RoomType type,
                                      std::string_view name, int64_t now_s) {
    if (creator.actor.type != ActorType::Users) {
        return unexpected(TalkError{TalkErrorKind::Forbidden, "only users create conversations"});
    }
    switch (type) {
    case RoomType::NoteToSelf:
        return create_unique(creator, type, lower(creator.actor.id), "Note to self", {}, now_s);
    case RoomType::Group:
    case RoomType::Public: break;
    case RoomType::OneToOne:
        return unexpected(invalid("a one-to-one conversation needs a partner"));
    default: return unexpected(invalid("this kind of conversation cannot be created"));
    }
    if (!valid_room_name(name)) {
        return unexpected(
            invalid("a conversation's name is 1 to 255 bytes, no control characters"));
    }
    NewRoom n;
    n.type = type;
    n.name = std::string(name);
    n.created_s = now_s;
    for (int attempt = 0; attempt < kTokenAttempts; ++attempt) {
        n.token = make_room_token(random_);
        auto room = store_.create_room(
            n, {owner(creator, now_s)},
            make_system_message(RoomId{}, SystemMessage::ConversationCreated, creator, now_s));
        if (room) {
            return CreatedRoom{*room, true};
        }
        if (room.error().kind != StoreErrorKind::Conflict) {
            return unexpected(talk_error_from(room.error()));
        }
    }
    return unexpected(TalkError{TalkErrorKind::Store, "no free room token found"});
}

TalkResult<CreatedRoom> Rooms::one_to_one(const NamedActor& creator, const NamedActor& other,
                                          int64_t now_s) {
    if (creator.actor.type != ActorType::Users || other.actor.type != ActorType::Users) {
        return unexpected(invalid("one-to-one conversations are between two users"));
    }
    if (lower(creator.actor.id) == lower(other.actor.id)) {
        return unexpected(invalid("a one-to-one conversation needs another user"));
    }
    return create_unique(creator, RoomType::OneToOne,
                         one_to_one_key(creator.actor.id, other.actor.id), "", other, now_s);
}

TalkResult<CreatedRoom> Rooms::create_unique(const NamedActor& creator, RoomType type,
                                             const std::string& key, std::string_view name,
                                             const std::optional<NamedActor>& other,
                                             int64_t now_s) {
    std::vector<NewParticipant> owners{owner(creator, now_s)};
    if (other) {
        owners.push_back(owner(*other, now_s));
    }
    for (int attempt = 0; attempt < kTokenAttempts; ++attempt) {
        auto existing = store_.room_by_one_to_one_key(key);
        if (existing) {
            // Asked again: the room as it is, with both back in it if one had left.
            for (NewParticipant p : owners) {
                p.room = existing->id;
                if (auto added = store_.add_participant(p);
                    !added && added.error().kind != StoreErrorKind::Conflict) {
                    return unexpected(talk_error_from(added.error()));
                }
            }
            return CreatedRoom{*existing, false};
        }
        if (existing.error().kind != StoreErrorKind::NotFound) {
            return unexpected(talk_error_from(existing.error()));
        }
        NewRoom n;
        n.token = make_room_token(random_);
        n.type = type;
        n.name = std::string(name);
        n.one_to_one_key = key;
        n.created_s = now_s;
        auto room = store_.create_room(
            n, owners,
            make_system_message(RoomId{}, SystemMessage::ConversationCreated, creator, now_s));
        if (room) {
            return CreatedRoom{*room, true};
        }
        if (room.error().kind != StoreErrorKind::Conflict) {
            return unexpected(talk_error_from(room.error()));
        }
        // A conflict: the token was taken, or another request made the room just now (the
        // next round finds it by its key).
    }
    return unexpected(TalkError{TalkErrorKind::Store, "no free room token found"});
}

TalkResult<Membership> Rooms::membership(std::string_view token, const Actor& actor) {
    if (!is_room_token(token)) {
        return unexpected(TalkError{TalkErrorKind::NotFound, "no such conversation"});
    }
    auto room = store_.room_by_token(token);
    if (!room) {
        return unexpected(talk_error_from(room.error()));
    }
    auto p = store_.participant(room->id, actor);
    if (!p) {
        // Not a participant looks like no room at all, as in Talk.
        return unexpected(p.error().kind == StoreErrorKind::NotFound
                              ? TalkError{TalkErrorKind::NotFound, "no such conversation"}
                              : talk_error_from(p.error()));
    }
    return Membership{*room, *p};
}

TalkResult<Participant> Rooms::add_user(const Membership& by, const NamedActor& user,
                                        int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (user.actor.type != ActorType::Users) {
        return unexpected(invalid("only users are added; guests join by the link"));
    }
    NewParticipant n{by.room.id, user.actor, user.display_name, ParticipantType::User, 0, 0,
                     {},         now_s};
    if (by.room.sip == SipState::Pin) {
        n.pin = fresh_pin(by.room.id);
    }
    auto added = store_.add_participant(n);
    if (!added) {
        if (added.error().kind == StoreErrorKind::Conflict) {
            auto existing = store_.participant(by.room.id, user.actor);  // added already
            if (existing) {
                return *existing;
            }
        }
        return unexpected(talk_error_from(added.error()));
    }
    if (auto m = post(make_system_message(by.room.id, SystemMessage::UserAdded,
                                          named(by.participant), now_s, user));
        !m) {
        return unexpected(m.error());
    }
    return *added;
}

TalkResult<Participant> Rooms::join_public(std::string_view token, const NamedActor& who,
                                           std::string_view password, int64_t now_s) {
    if (!is_room_token(token)) {
        return unexpected(TalkError{TalkErrorKind::NotFound, "no such conversation"});
    }
    auto room = store_.room_by_token(token);
    if (!room) {
        return unexpected(talk_error_from(room.error()));
    }
    if (auto existing = store_.participant(room->id, who.actor); existing) {
        return *existing;
    }
    if (room->type != RoomType::Public) {
        return unexpected(TalkError{TalkErrorKind::NotFound, "no such conversation"});
    }
    if (!room->password_hash.empty() && !hasher_.verify(room->password_hash, password)) {
        return unexpected(TalkError{TalkErrorKind::WrongPassword, "wrong password"});
    }
    ParticipantType type = ParticipantType::Guest;
    if (who.actor.type == ActorType::Users) {
        type = ParticipantType::UserSelfJoined;
    } else if (who.actor.type != ActorType::Guests) {
        return unexpected(invalid("only users and guests join by the link"));
    }
    NewParticipant n{room->id, who.actor, who.display_name, type, 0, 0, {}, now_s};
    if (type == ParticipantType::UserSelfJoined && room->sip == SipState::Pin) {
        n.pin = fresh_pin(room->id);
    }
    auto added = store_.add_participant(n);
    if (!added) {
        return unexpected(talk_error_from(added.error()));
    }
    return *added;
}

TalkResult<Participant> Rooms::target_in(const Membership& by, int64_t target_id) {
    auto target = store_.participant_by_id(target_id);
    if (!target || target->room != by.room.id) {
        return unexpected(TalkError{TalkErrorKind::NotFound, "no such participant"});
    }
    return *target;
}

TalkResult<Done> Rooms::remove(const Membership& by, int64_t target_id, int64_t now_s) {
    auto target = target_in(by, target_id);
    if (!target) {
        return unexpected(target.error());
    }
    if (auto c = check_remove(by.room, by.participant, *target); !c) {
        return c;
    }
    if (auto r = store_.remove_participant(target->id); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    if (target->actor.type != ActorType::Users) {
        return Done{};  // guests come and go without a message, as in Talk
    }
    return post(make_system_message(by.room.id, SystemMessage::UserRemoved, named(by.participant),
                                    now_s, named(*target)));
}

TalkResult<Participant> Rooms::promote(const Membership& by, int64_t target_id, int64_t now_s) {
    return change_role(by, target_id, RoleChange::Promote, now_s);
}

TalkResult<Participant> Rooms::demote(const Membership& by, int64_t target_id, int64_t now_s) {
    return change_role(by, target_id, RoleChange::Demote, now_s);
}

TalkResult<Participant> Rooms::change_role(const Membership& by, int64_t target_id,
                                           RoleChange change, int64_t now_s) {
    auto target = target_in(by, target_id);
    if (!target) {
        return unexpected(target.error());
    }
    const bool up = change == RoleChange::Promote;
    auto type = up ? promoted_type(by.room, by.participant, *target)
                   : demoted_type(by.room, by.participant, *target);
    if (!type) {
        return unexpected(type.error());
    }
    Participant changed = *target;
    changed.type = *type;
    if (auto r = store_.update_participant(changed); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    const SystemMessage kind =
        is_guest(changed.type)
            ? (up ? SystemMessage::GuestModeratorPromoted : SystemMessage::GuestModeratorDemoted)
            : (up ? SystemMessage::ModeratorPromoted : SystemMessage::ModeratorDemoted);
    if (auto m = post(
            make_system_message(by.room.id, kind, named(by.participant), now_s, named(changed)));
        !m) {
        return unexpected(m.error());
    }
    return changed;
}

TalkResult<Participant> Rooms::set_permissions(const Membership& by, int64_t target_id,
                                               uint32_t bits) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (!valid_permissions(bits)) {
        return unexpected(invalid("permissions are 0, or 1 with the rights granted"));
    }
    auto target = target_in(by, target_id);
    if (!target) {
        return unexpected(target.error());
    }
    Participant changed = *target;
    changed.permissions = bits;
    if (auto r = store_.update_participant(changed); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    return changed;
}

// Settings

TalkResult<Room> Rooms::save_setting(const Membership& by, const Room& changed, SystemMessage kind,
                                     int64_t now_s) {
    if (auto r = store_.update_room(changed); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    if (auto m = post(make_system_message(changed.id, kind, named(by.participant), now_s)); !m) {
        return unexpected(m.error());
    }
    auto fresh = store_.room_by_id(changed.id);
    if (!fresh) {
        return unexpected(talk_error_from(fresh.error()));
    }
    return *fresh;
}

TalkResult<Room> Rooms::rename(const Membership& by, std::string_view name, int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (!valid_room_name(name)) {
        return unexpected(
            invalid("a conversation's name is 1 to 255 bytes, no control characters"));
    }
    if (name == by.room.name) {
        return by.room;
    }
    Room changed = by.room;
    changed.name = std::string(name);
    return save_setting(by, changed, SystemMessage::ConversationRenamed, now_s);
}

TalkResult<Room> Rooms::set_description(const Membership& by, std::string_view description,
                                        int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (description.size() > kMaxDescriptionLen) {
        return unexpected(invalid("a description is at most 2000 bytes"));
    }
    if (description == by.room.description) {
        return by.room;
    }
    Room changed = by.room;
    changed.description = std::string(description);
    return save_setting(by, changed,
                        description.empty() ? SystemMessage::DescriptionRemoved
                                            : SystemMessage::DescriptionSet,
                        now_s);
}

TalkResult<Room> Rooms::set_public(const Membership& by, bool make_public, int64_t now_s) {
    const RoomType to = make_public ? RoomType::Public : RoomType::Group;
    if (auto s = check_change_type(by.room, by.participant, to); !s) {
        return unexpected(s.error());
    }
    if (by.room.type == to) {
        return by.room;
    }
    Room changed = by.room;
    changed.type = to;
    return save_setting(
        by, changed, make_public ? SystemMessage::GuestsAllowed : SystemMessage::GuestsDisallowed,
        now_s);
}

TalkResult<Room> Rooms::set_password(const Membership& by, std::string_view password,
                                     int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (by.room.type != RoomType::Public) {
        return unexpected(invalid("only public conversations have a password"));
    }
    if (password.empty() && by.room.password_hash.empty()) {
        return by.room;
    }
    Room changed = by.room;
    changed.password_hash = password.empty() ? std::string() : hasher_.hash(password);
    return save_setting(
        by, changed, password.empty() ? SystemMessage::PasswordRemoved : SystemMessage::PasswordSet,
        now_s);
}

TalkResult<Room> Rooms::set_lobby(const Membership& by, LobbyState state,
                                  std::optional<int64_t> timer_s, int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (state == LobbyState::AllParticipants && timer_s) {
        return unexpected(invalid("a lobby timer needs the lobby on"));
    }
    Room changed = by.room;
    changed.lobby = state;
    changed.lobby_timer_s = timer_s;
    if (changed.lobby == by.room.lobby) {
        // Only the timer moved: no message, as in Talk.
        if (auto r = store_.update_room(changed); !r) {
            return unexpected(talk_error_from(r.error()));
        }
        return changed;
    }
    return save_setting(by, changed,
                        state == LobbyState::NonModerators ? SystemMessage::LobbyNonModerators
                                                           : SystemMessage::LobbyNone,
                        now_s);
}

TalkResult<Room> Rooms::open_lobby_if_due(const Room& room, int64_t now_s) {
    if (!lobby_timer_due(room, now_s)) {
        return room;
    }
    auto opened = store_.open_lobby_if_due(room.id, now_s);
    if (!opened) {
        return unexpected(talk_error_from(opened.error()));
    }
    if (*opened) {  // this request opened it; another that raced it posts nothing
        if (auto m = post(make_system_message(room.id, SystemMessage::LobbyTimerReached,
                                              system_actor(), now_s));
            !m) {
            return unexpected(m.error());
        }
    }
    auto fresh = store_.room_by_id(room.id);
    if (!fresh) {
        return unexpected(talk_error_from(fresh.error()));
    }
    return *fresh;
}

TalkResult<Room> Rooms::set_read_only(const Membership& by, bool read_only, int64_t now_s) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (by.room.read_only == read_only) {
        return by.room;
    }
    Room changed = by.room;
    changed.read_only = read_only;
    return save_setting(by, changed,
                        read_only ? SystemMessage::ReadOnly : SystemMessage::ReadOnlyOff, now_s);
}

TalkResult<Room> Rooms::set_default_permissions(const Membership& by, uint32_t bits) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    if (!valid_permissions(bits)) {
        return unexpected(invalid("permissions are 0, or 1 with the rights granted"));
    }
    Room changed = by.room;
    changed.default_permissions = bits;
    if (auto r = store_.update_room(changed); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    return changed;
}

std::optional<std::string> Rooms::fresh_pin(RoomId room) {
    for (int attempt = 0; attempt < kPinAttempts; ++attempt) {
        std::string pin = make_phone_digits(random_, kPinLen);
        if (auto taken = store_.participant_by_pin(room, pin);
            !taken && taken.error().kind == StoreErrorKind::NotFound) {
            return pin;
        }
    }
    return std::nullopt;  // the participant dials in without a PIN of its own; never by chance
}

TalkResult<Room> Rooms::set_sip(const Membership& by, SipState state) {
    if (auto s = check_change_settings(by.room, by.participant); !s) {
        return unexpected(s.error());
    }
    Room changed = by.room;
    changed.sip = state;
    if (state != SipState::Disabled && !changed.dial_in_id) {
        for (int attempt = 0; attempt < kTokenAttempts; ++attempt) {
            changed.dial_in_id = make_phone_digits(random_, kDialInIdLen);
            auto r = store_.update_room(changed);
            if (r) {
                break;
            }
            if (r.error().kind != StoreErrorKind::Conflict || attempt + 1 == kTokenAttempts) {
                return unexpected(talk_error_from(r.error()));
            }
        }
    } else if (auto r = store_.update_room(changed); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    if (state == SipState::Pin) {
        auto people = store_.participants(changed.id);
        if (!people) {
            return unexpected(talk_error_from(people.error()));
        }
        for (Participant p : *people) {
            if (p.pin || p.actor.type != ActorType::Users) {
                continue;
            }
            p.pin = fresh_pin(changed.id);
            if (auto r = store_.update_participant(p); !r) {
                return unexpected(talk_error_from(r.error()));
            }
        }
    }
    return changed;
}

// The call

TalkResult<Membership> Rooms::join_call(const Membership& who, uint32_t flags, int64_t now_s) {
    // Which right applies depends on whether a call is on as far as this request knows; the
    // store decides atomically whether this join is the one that starts it.
    auto allowed = who.room.call_started_s ? check_join_call(who.room, who.participant, now_s)
                                           : check_start_call(who.room, who.participant, now_s);
    if (!allowed) {
        return unexpected(allowed.error());
    }
    const uint32_t granted =
        allowed_call_flags(who.room, who.participant, flags | call_flag::kInCall);
    auto change = store_.set_in_call(who.participant.id, granted, now_s);
    if (!change) {
        return unexpected(talk_error_from(change.error()));
    }
    if (change->previous_flags == 0) {
        const SystemMessage kind =
            change->started ? SystemMessage::CallStarted : SystemMessage::CallJoined;
        if (auto m = post(make_system_message(who.room.id, kind, named(who.participant), now_s));
            !m) {
            return unexpected(m.error());
        }
    }
    return Membership{change->room, change->participant};
}

TalkResult<Membership> Rooms::leave_call(const Membership& who, int64_t now_s) {
    auto change = store_.set_in_call(who.participant.id, 0, now_s);
    if (!change) {
        return unexpected(talk_error_from(change.error()));
    }
    if (change->previous_flags != 0) {
        const SystemMessage kind =
            change->ended ? SystemMessage::CallEnded : SystemMessage::CallLeft;
        if (auto m = post(make_system_message(who.room.id, kind, named(who.participant), now_s));
            !m) {
            return unexpected(m.error());
        }
    }
    return Membership{change->room, change->participant};
}

TalkResult<Room> Rooms::end_call_for_everyone(const Membership& by, int64_t now_s) {
    if (auto m = check_moderator(by.participant); !m) {
        return unexpected(m.error());
    }
    auto ended = store_.end_call(by.room.id);
    if (!ended) {
        return unexpected(talk_error_from(ended.error()));
    }
    if (*ended) {
        if (auto m = post(make_system_message(by.room.id, SystemMessage::CallEndedEveryone,
                                              named(by.participant), now_s));
            !m) {
            return unexpected(m.error());
        }
    }
    auto fresh = store_.room_by_id(by.room.id);
    if (!fresh) {
        return unexpected(talk_error_from(fresh.error()));
    }
    return *fresh;
}

TalkResult<Done> Rooms::post(const NewChatMessage& message) {
    if (auto m = store_.post_message(message); !m) {
        return unexpected(talk_error_from(m.error()));
    }
    return Done{};
}

}  // namespace tern::sig::backend
