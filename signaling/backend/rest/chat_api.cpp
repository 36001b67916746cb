#include "signaling/backend/rest/chat_api.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/chat/message_json.hpp"
#include "signaling/backend/rest/rooms_api.hpp"

#include <algorithm>
#include <map>

namespace tern::sig::backend::rest {

namespace {

/// The messages as Talk's message objects, with their reactions and parents: an array of them,
/// or (`single`) the one message of `page` alone.
ApiResult<std::string> messages_json(Store& store, Chat& chat, const Membership& m,
                                     const std::vector<ChatMessage>& page, bool single = false) {
    auto reactions = chat.page_reactions(m, page);
    if (!reactions) {
        return unexpected(api_error(reactions.error()));
    }
    // The parents (replied to, or what a reaction, edit or deletion is about) with their
    // reactions as they are now: Talk's clients take a reaction's new counts from its parent.
    std::map<int64_t, ChatMessage> parents;
    for (const ChatMessage& msg : page) {
        if (msg.parent && !parents.contains(*msg.parent)) {
            if (auto p = store.message(m.room.id, *msg.parent)) {
                parents.emplace(*msg.parent, std::move(*p));
            }
        }
    }
    std::vector<ChatMessage> parent_list;
    parent_list.reserve(parents.size());
    for (const auto& [id, p] : parents) {
        parent_list.push_back(p);
    }
    auto parent_reactions = chat.page_reactions(m, parent_list);
    if (!parent_reactions) {
        return unexpected(api_error(parent_reactions.error()));
    }
    std::string out;
    api::JsonWriter w(out);
    if (!single) {
        w.begin_array();
    }
    for (const ChatMessage& msg : page) {
        MessageExtras extras;
        if (auto it = reactions->find(msg.id); it != reactions->end()) {
            extras = it->second;
        }
        if (msg.parent) {
            if (auto p = parents.find(*msg.parent); p != parents.end()) {
                extras.parent = &p->second;
                if (auto pr = parent_reactions->find(p->first); pr != parent_reactions->end()) {
                    extras.parent_extras = &pr->second;
                }
            }
        }
        write_message(w, msg, m.room.token, extras);
    }
    if (!single) {
        w.end_array();
    }
    return out;
}

/// One message object, with its reactions and its parent.
ApiResult<std::string> one_message(BackendService& service, const Membership& m,
                                   const ChatMessage& msg) {
    return messages_json(service.store(), service.chat(), m, {msg}, true);
}

ApiReply not_modified() {
    ApiReply r;
    r.status = 304;
    r.empty = true;
    return r;
}

ApiResult<ApiReply> messages_reply(BackendService& service, const Membership& m,
                                   const ReceiveResult& got) {
    if (got.messages.empty()) {
        return not_modified();
    }
    auto data = messages_json(service.store(), service.chat(), m, got.messages);
    if (!data) {
        return unexpected(data.error());
    }
    ApiReply r = ok_data(std::move(*data));
    if (got.last_given) {
        r.headers.emplace_back("X-Chat-Last-Given", std::to_string(*got.last_given));
    }
    if (auto common = service.chat().last_common_read(m)) {
        r.headers.emplace_back("X-Chat-Last-Common-Read", std::to_string(*common));
    }
    return r;
}

/// The system message a change just posted (the room's newest), with the changed message as
/// its parent: what Talk answers an edit or a deletion with.
ApiResult<ApiReply> system_reply(ApiCall& call, const Membership& m) {
    auto room = call.service.store().room_by_id(m.room.id);
    if (!room) {
        return unexpected(api_error(room.error()));
    }
    auto sys = call.service.store().message(m.room.id, room->last_message_id);
    if (!sys) {
        return unexpected(api_error(sys.error()));
    }
    auto data = one_message(call.service, m, *sys);
    if (!data) {
        return unexpected(data.error());
    }
    return ok_data(std::move(*data));
}

ApiResult<ApiReply> reactions_reply(ApiCall& call, const Membership& m, int64_t id,
                                    std::string_view only, int status) {
    auto list = call.service.chat().reactions(m, id, call.now.s);
    if (!list) {
        return unexpected(api_error(list.error()));
    }
    std::map<std::string, std::vector<const Reaction*>> by_emoji;
    for (const Reaction& r : *list) {
        if (only.empty() || r.reaction == only) {
            by_emoji[r.reaction].push_back(&r);
        }
    }
    std::string out;
    api::JsonWriter w(out);
    if (by_emoji.empty()) {
        w.begin_array().end_array();  // PHP's empty array
        return ok_data(std::move(out), status);
    }
    w.begin_object();
    for (const auto& [emoji, who] : by_emoji) {
        w.key(emoji).begin_array();
        for (const Reaction* r : who) {
            w.begin_object()
                .field("actorType", to_string(r->actor.type))
                .field("actorId", r->actor.id)
                .field("actorDisplayName", r->actor_display_name)
                .field("timestamp", r->created_s)
                .end_object();
        }
        w.end_array();
    }
    w.end_object();
    return ok_data(std::move(out), status);
}

}  // namespace

ApiResult<ApiOutcome> receive_chat(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    ReceiveRequest r;
    auto future = call.params.boolean("lookIntoFuture");
    auto last_known = call.params.integer("lastKnownMessageId");
    auto limit = call.params.integer("limit");
    auto timeout = call.params.integer("timeout");
    auto include = call.params.boolean("includeLastKnown");
    auto set_marker = call.params.boolean("setReadMarker");
    for (const auto* e : {future ? nullptr : &future.error(), include ? nullptr : &include.error(),
                          set_marker ? nullptr : &set_marker.error()}) {
        if (e != nullptr) {
            return unexpected(bad_request(*e));
        }
    }
    for (const auto* e : {last_known ? nullptr : &last_known.error(),
                          limit ? nullptr : &limit.error(), timeout ? nullptr : &timeout.error()}) {
        if (e != nullptr) {
            return unexpected(bad_request(*e));
        }
    }
    r.look_into_future = future->value_or(false);
    r.last_known = last_known->value_or(0);
    if (r.last_known < 0) {
        return unexpected(bad_request("lastKnownMessageId must not be negative"));
    }
    if (*limit) {
        if (**limit < 1) {
            return unexpected(bad_request("limit must be at least 1"));
        }
        r.limit = static_cast<int>(std::min<int64_t>(**limit, 200));
    }
    r.include_last_known = include->value_or(false);
    r.set_read_marker = set_marker->value_or(true);
    std::optional<int> asked_timeout;
    if (*timeout) {
        asked_timeout = static_cast<int>(std::clamp<int64_t>(**timeout, -1, 3600));
    }
    auto got = call.service.chat().receive(*m, r, call.now.s);
    if (!got) {
        return unexpected(api_error(got.error()));
    }
    if (!got->wait) {
        auto reply = messages_reply(call.service, *m, *got);
        if (!reply) {
            return unexpected(reply.error());
        }
        return ApiOutcome{std::move(*reply)};
    }
    const int wait_s = long_poll_timeout_s(asked_timeout);
    if (wait_s == 0) {
        return ApiOutcome{not_modified()};
    }
    const uint64_t deadline = call.now.us + static_cast<uint64_t>(wait_s) * 1'000'000;
    auto waiter = call.service.waiters().add(m->room.id, r.last_known, deadline);
    if (!waiter) {
        return unexpected(api_error(waiter.error()));
    }
    ParkedPoll poll;
    poll.waiter = *waiter;
    poll.deadline_us = deadline;
    poll.token = m->room.token;
    poll.actor = caller.who.actor;
    poll.receive = r;
    poll.api = call.api;
    poll.format = call.format;
    return ApiOutcome{std::move(poll)};
}

ApiResult<ApiReply> resume_poll(BackendService& service, const ParkedPoll& poll, RestNow now) {
    auto m = service.rooms().membership(poll.token, poll.actor);
    if (!m) {
        return unexpected(api_error(m.error()));
    }
    auto got = service.chat().receive(*m, poll.receive, now.s);
    if (!got) {
        return unexpected(api_error(got.error()));
    }
    if (got->wait) {
        return not_modified();
    }
    return messages_reply(service, *m, *got);
}

ApiResult<ApiReply> send_chat(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    PostRequest post;
    const auto message = call.params.get("message");
    if (!message) {
        return unexpected(bad_request("message is missing"));
    }
    post.message = std::string(*message);
    auto reply_to = call.params.integer("replyTo");
    if (!reply_to) {
        return unexpected(bad_request(reply_to.error()));
    }
    if (*reply_to && **reply_to > 0) {
        post.reply_to = **reply_to;
    }
    post.reference_id = std::string(call.params.get("referenceId").value_or(""));
    auto silent = call.params.boolean("silent");
    if (!silent) {
        return unexpected(bad_request(silent.error()));
    }
    post.silent = silent->value_or(false);
    auto posted = call.service.chat().post(*m, post, call.now.s);
    if (!posted) {
        return unexpected(api_error(posted.error()));
    }
    auto data = one_message(call.service, *m, *posted);
    if (!data) {
        return unexpected(data.error());
    }
    ApiReply r = ok_data(std::move(*data), 201);
    if (auto common = call.service.chat().last_common_read(*m)) {
        r.headers.emplace_back("X-Chat-Last-Common-Read", std::to_string(*common));
    }
    return r;
}

ApiResult<ApiReply> edit_chat(ApiCall& call, const Caller& caller, std::string_view token,
                              int64_t id) {
    auto in = member_with_text(call, caller, token, "message", "message is missing");
    if (!in) {
        return unexpected(in.error());
    }
    if (auto edited = call.service.chat().edit(in->member, id, in->text, call.now.s); !edited) {
        return unexpected(api_error(edited.error()));
    }
    return system_reply(call, in->member);
}

ApiResult<ApiReply> delete_chat(ApiCall& call, const Caller& caller, std::string_view token,
                                int64_t id) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    if (auto deleted = call.service.chat().remove(*m, id, call.now.s); !deleted) {
        return unexpected(api_error(deleted.error()));
    }
    return system_reply(call, *m);
}

ApiResult<ApiReply> mark_chat_read(ApiCall& call, const Caller& caller, std::string_view token,
                                   bool read) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    if (read) {
        auto id = call.params.integer("lastReadMessage");
        if (!id) {
            return unexpected(bad_request(id.error()));
        }
        const int64_t upto = id->value_or(m->room.last_message_id);
        if (upto < 0) {
            return unexpected(bad_request("lastReadMessage must not be negative"));
        }
        if (auto done = call.service.chat().mark_read(*m, upto); !done) {
            return unexpected(api_error(done.error()));
        }
    } else if (auto done = call.service.chat().mark_unread(*m); !done) {
        return unexpected(api_error(done.error()));
    }
    auto again = call.service.rooms().membership(token, caller.who.actor);
    if (!again) {
        return unexpected(api_error(again.error()));
    }
    auto data = room_data(call, *again);
    if (!data) {
        return unexpected(data.error());
    }
    return ok_data(std::move(*data));
}

ApiResult<ApiReply> add_reaction(ApiCall& call, const Caller& caller, std::string_view token,
                                 int64_t id) {
    auto in = member_with_text(call, caller, token, "reaction", "reaction is missing");
    if (!in) {
        return unexpected(in.error());
    }
    auto added = call.service.chat().react(in->member, id, in->text, call.now.s);
    if (!added) {
        return unexpected(api_error(added.error()));
    }
    return reactions_reply(call, in->member, id, {}, *added ? 201 : 200);
}

ApiResult<ApiReply> remove_reaction(ApiCall& call, const Caller& caller, std::string_view token,
                                    int64_t id) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    const auto reaction = call.params.get("reaction");
    if (!reaction) {
        return unexpected(bad_request("reaction is missing"));
    }
    if (auto done = call.service.chat().unreact(*m, id, *reaction, call.now.s); !done) {
        return unexpected(api_error(done.error()));
    }
    return reactions_reply(call, *m, id, {}, 200);
}

ApiResult<ApiReply> list_reactions(ApiCall& call, const Caller& caller, std::string_view token,
                                   int64_t id) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    return reactions_reply(call, *m, id, call.params.get("reaction").value_or(""), 200);
}

}  // namespace tern::sig::backend::rest
