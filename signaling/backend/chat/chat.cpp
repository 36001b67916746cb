#include "signaling/backend/chat/chat.hpp"

#include "signaling/backend/chat/mentions.hpp"
#include "signaling/backend/chat/message_text.hpp"
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/room_policy.hpp"

#include <algorithm>
#include <limits>

namespace tern::sig::backend {

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxReferenceIdLen = 64;
constexpr std::size_t kMaxReactionLen = 32;  // one emoji, with modifiers and joiners

TalkError invalid(std::string why) {
    return TalkError{TalkErrorKind::InvalidInput, std::move(why)};
}

NamedActor named(const Participant& p) {
    return NamedActor{p.actor, p.display_name};
}

bool is_comment(const ChatMessage& m) {
    return m.message_type == "comment" || m.message_type == "voice-message";
}

bool valid_reaction(std::string_view r) {
    if (r.empty() || r.size() > kMaxReactionLen) {
        return false;
    }
    return std::none_of(r.begin(), r.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

}  // namespace

std::map<std::string, int64_t> reaction_counts(const std::vector<Reaction>& reactions) {
    std::map<std::string, int64_t> counts;
    for (const Reaction& r : reactions) {
        ++counts[r.reaction];
    }
    return counts;
}

TalkResult<ChatMessage> Chat::post(const Membership& who, const PostRequest& request,
                                   int64_t now_s) {
    return post_comment(who, request, request.message, {}, now_s);
}

TalkResult<ChatMessage> Chat::share_file(const Membership& who, const SharedFile& file,
                                         const PostRequest& caption, int64_t now_s) {
    if (!valid_shared_file(file)) {
        return unexpected(invalid("the shared file lacks an id, a name, a link or a type"));
    }
    std::string_view text = caption.message;
    if (text.empty()) {
        text = "{file}";
    }
    return post_comment(who, caption, text, {{"file", rich_file(file)}}, now_s);
}

TalkResult<ChatMessage>
Chat::post_comment(const Membership& who, const PostRequest& request, std::string_view text,
                   const std::map<std::string, std::string>& extra_parameters, int64_t now_s) {
    if (auto c = check_post_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    if (auto t = check_message_text(text); !t) {
        return unexpected(t.error());
    }
    if (request.reference_id.size() > kMaxReferenceIdLen) {
        return unexpected(invalid("a reference id is at most 64 bytes"));
    }
    if (request.reply_to) {
        auto parent = store_.message(who.room.id, *request.reply_to);
        if (!parent) {
            return unexpected(parent.error().kind == StoreErrorKind::NotFound
                                  ? invalid("the message replied to is not in this conversation")
                                  : talk_error_from(parent.error()));
        }
        if (!is_comment(*parent)) {
            return unexpected(invalid("system messages and deleted ones take no replies"));
        }
    }
    auto participants = store_.participants(who.room.id);
    if (!participants) {
        return unexpected(talk_error_from(participants.error()));
    }
    ParsedMessage parsed = parse_mentions(
        text, *participants,
        MentionRoom{who.room.token, who.room.name, who.room.type == RoomType::OneToOne},
        extra_parameters);
    NewChatMessage m;
    m.room = who.room.id;
    m.actor = who.participant.actor;
    m.actor_display_name = who.participant.display_name;
    m.created_s = now_s;
    m.message = std::move(parsed.message);
    m.message_parameters = std::move(parsed.message_parameters);
    m.parent = request.reply_to;
    m.reference_id = request.reference_id;
    m.silent = request.silent;
    m.mentions = std::move(parsed.mentions);
    auto posted = store_.post_message(m);
    if (!posted) {
        return unexpected(talk_error_from(posted.error()));
    }
    // One's own message is read (Talk moves the author's marker with it).
    if (auto r = store_.set_read_marker(who.participant.id, posted->id); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    return *posted;
}

TalkResult<ReceiveResult> Chat::receive(const Membership& who, const ReceiveRequest& request,
                                        int64_t now_s) {
    if (auto c = check_read_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    const int limit = std::clamp(request.limit.value_or(kDefaultLimit), 1, kMaxLimit);
    ReceiveResult out;
    if (request.look_into_future) {
        const int64_t after = request.last_known - (request.include_last_known ? 1 : 0);
        auto page = store_.messages_after(who.room.id, after, limit);
        if (!page) {
            return unexpected(talk_error_from(page.error()));
        }
        out.messages = std::move(*page);
        if (out.messages.empty()) {
            out.wait = true;
            return out;
        }
        out.last_given = out.messages.back().id;
        if (request.set_read_marker && *out.last_given > who.participant.last_read_message) {
            if (auto r = store_.set_read_marker(who.participant.id, *out.last_given); !r) {
                return unexpected(talk_error_from(r.error()));
            }
        }
        return out;
    }
    int64_t before =
        request.last_known > 0 ? request.last_known : std::numeric_limits<int64_t>::max();
    if (request.include_last_known && request.last_known > 0) {
        before += 1;
    }
    auto page = store_.messages_before(who.room.id, before, limit);
    if (!page) {
        return unexpected(talk_error_from(page.error()));
    }
    out.messages = std::move(*page);
    if (!out.messages.empty()) {
        out.last_given = out.messages.back().id;  // the oldest: where the next page starts
    }
    return out;
}

TalkResult<ChatMessage> Chat::changeable(const Membership& who, int64_t id, int64_t now_s,
                                         int64_t window_s) {
    if (auto c = check_read_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    if (who.room.read_only) {
        return unexpected(TalkError{TalkErrorKind::Forbidden, "the conversation is read-only"});
    }
    auto m = store_.message(who.room.id, id);
    if (!m) {
        return unexpected(talk_error_from(m.error()));
    }
    if (m->deleted_s || !is_comment(*m)) {
        return unexpected(TalkError{TalkErrorKind::NotAComment, "only comments can be changed"});
    }
    const bool own = m->actor == who.participant.actor;
    const bool moderates = is_moderator(who.participant.type) &&
                           (who.room.type == RoomType::Group || who.room.type == RoomType::Public);
    if (!own && !moderates) {
        return unexpected(
            TalkError{TalkErrorKind::Forbidden, "only the author or a moderator may do that"});
    }
    if (now_s - m->created_s > window_s) {
        return unexpected(invalid("the message is too old to be changed"));
    }
    return *m;
}

TalkResult<ChatMessage> Chat::edit(const Membership& who, int64_t id, std::string_view message,
                                   int64_t now_s) {
    auto m = changeable(who, id, now_s, kEditWindowS);
    if (!m) {
        return unexpected(m.error());
    }
    if (auto t = check_message_text(message); !t) {
        return unexpected(t.error());
    }
    auto participants = store_.participants(who.room.id);
    if (!participants) {
        return unexpected(talk_error_from(participants.error()));
    }
    ParsedMessage parsed = parse_mentions(
        message, *participants,
        MentionRoom{who.room.token, who.room.name, who.room.type == RoomType::OneToOne});
    ChatEdit e;
    e.room = who.room.id;
    e.id = id;
    e.message = std::move(parsed.message);
    e.message_parameters = std::move(parsed.message_parameters);
    e.mentions = std::move(parsed.mentions);
    e.mark = ChatEditMark{who.participant.actor, who.participant.display_name, now_s};
    auto edited = store_.edit_message(e);
    if (!edited) {
        return unexpected(talk_error_from(edited.error()));
    }
    if (auto s = post_system(make_system_message(who.room.id, SystemMessage::MessageEdited,
                                                 named(who.participant), now_s, {}, id));
        !s) {
        return unexpected(s.error());
    }
    return *edited;
}

TalkResult<ChatMessage> Chat::remove(const Membership& who, int64_t id, int64_t now_s) {
    auto m = changeable(who, id, now_s, kDeleteWindowS);
    if (!m) {
        return unexpected(m.error());
    }
    auto deleted = store_.delete_message(
        who.room.id, id, ChatEditMark{who.participant.actor, who.participant.display_name, now_s});
    if (!deleted) {
        return unexpected(talk_error_from(deleted.error()));
    }
    if (auto s = post_system(make_system_message(who.room.id, SystemMessage::MessageDeleted,
                                                 named(who.participant), now_s, {}, id));
        !s) {
        return unexpected(s.error());
    }
    return *deleted;
}

TalkResult<bool> Chat::react(const Membership& who, int64_t id, std::string_view reaction,
                             int64_t now_s) {
    if (auto c = check_post_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    if (!valid_reaction(reaction)) {
        return unexpected(invalid("a reaction is one emoji"));
    }
    auto m = store_.message(who.room.id, id);
    if (!m) {
        return unexpected(talk_error_from(m.error()));
    }
    if (m->deleted_s || !is_comment(*m)) {
        return unexpected(invalid("only comments take reactions"));
    }
    auto added =
        store_.add_reaction(Reaction{who.room.id, id, who.participant.actor,
                                     who.participant.display_name, std::string(reaction), now_s});
    if (!added) {
        if (added.error().kind == StoreErrorKind::Conflict) {
            return false;
        }
        return unexpected(talk_error_from(added.error()));
    }
    NewChatMessage s = make_system_message(who.room.id, SystemMessage::Reaction,
                                           named(who.participant), now_s, {}, id);
    s.message = std::string(reaction);  // Talk's text for a reaction is the emoji
    if (auto r = post_system(s); !r) {
        return unexpected(r.error());
    }
    return true;
}

TalkResult<Done> Chat::unreact(const Membership& who, int64_t id, std::string_view reaction,
                               int64_t now_s) {
    if (auto c = check_post_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    if (auto r = store_.remove_reaction(who.room.id, id, who.participant.actor, reaction); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    return post_system(make_system_message(who.room.id, SystemMessage::ReactionRevoked,
                                           named(who.participant), now_s, {}, id));
}

TalkResult<std::vector<Reaction>> Chat::reactions(const Membership& who, int64_t id,
                                                  int64_t now_s) {
    if (auto c = check_read_chat(who.room, who.participant, now_s); !c) {
        return unexpected(c.error());
    }
    auto list = store_.reactions(who.room.id, id);
    if (!list) {
        return unexpected(talk_error_from(list.error()));
    }
    return *list;
}

TalkResult<std::map<int64_t, MessageExtras>>
Chat::page_reactions(const Membership& who, const std::vector<ChatMessage>& page) {
    std::map<int64_t, MessageExtras> out;
    if (page.empty()) {
        return out;
    }
    const auto [lowest, highest] =
        std::minmax_element(page.begin(), page.end(),
                            [](const ChatMessage& a, const ChatMessage& b) { return a.id < b.id; });
    auto list = store_.reactions_in(who.room.id, lowest->id, highest->id);
    if (!list) {
        return unexpected(talk_error_from(list.error()));
    }
    for (const Reaction& r : *list) {
        MessageExtras& extras = out[r.message_id];
        ++extras.reactions[r.reaction];
        if (r.actor == who.participant.actor) {
            extras.reactions_self.push_back(r.reaction);
        }
    }
    return out;
}

TalkResult<Done> Chat::mark_read(const Membership& who, int64_t id) {
    const int64_t marker = std::clamp<int64_t>(id, 0, who.room.last_message_id);
    if (auto r = store_.set_read_marker(who.participant.id, marker); !r) {
        return unexpected(talk_error_from(r.error()));
    }
    return Done{};
}

TalkResult<Done> Chat::mark_unread(const Membership& who) {
    auto before = store_.messages_before(who.room.id, who.room.last_message_id, 1);
    if (!before) {
        return unexpected(talk_error_from(before.error()));
    }
    return mark_read(who, before->empty() ? 0 : before->front().id);
}

TalkResult<UnreadCounts> Chat::unread(const Membership& who) {
    auto counts = store_.unread_counts(who.participant.id);
    if (!counts) {
        return unexpected(talk_error_from(counts.error()));
    }
    return *counts;
}

TalkResult<int64_t> Chat::last_common_read(const Membership& who) {
    auto id = store_.last_common_read(who.room.id);
    if (!id) {
        return unexpected(talk_error_from(id.error()));
    }
    return *id;
}

TalkResult<Done> Chat::post_system(const NewChatMessage& message) {
    if (auto m = store_.post_message(message); !m) {
        return unexpected(talk_error_from(m.error()));
    }
    return Done{};
}

}  // namespace tern::sig::backend
