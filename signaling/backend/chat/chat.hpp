// A room's chat over a Store: posting (the text rules of message_text.hpp, replies, mentions),
// reading (history pages and the long poll's answer), edits, deletions, reactions, read markers
// and unread counts. Each check is made (room_policy.hpp) before the store is touched; edits,
// deletions and reactions leave the system message Talk's clients apply to the message they
// are about (system_message.hpp). Shared files are comments with a {file} rich object
// (shared_file.hpp).
//
// The long poll: receive() with look_into_future answers at once when there are newer messages,
// else says wait; the caller then parks the request in its shard's ChatWaiters
// (chat_waiters.hpp) and calls receive() again when woken. Posting returns the message so the
// caller can notify() the waiters and relay it over the signaling WebSocket.
//
// Not thread-safe (one owner, like its Store). The borrowed store outlives this.
#pragma once

#include "signaling/backend/chat/message_json.hpp"
#include "signaling/backend/chat/shared_file.hpp"
#include "signaling/backend/rooms/rooms.hpp"
#include "signaling/backend/rooms/talk_error.hpp"
#include "signaling/backend/store/store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

struct PostRequest {
    std::string message;
    std::optional<int64_t> reply_to;
    std::string reference_id;  // the client's own id, echoed back (at most 64 bytes)
    bool silent = false;
};

/// Talk's receive parameters (GET /chat/{token}).
struct ReceiveRequest {
    bool look_into_future = false;
    int64_t last_known = 0;    // 0 with history: from the newest message
    std::optional<int> limit;  // 100 when not given, at most 200
    bool include_last_known = false;
    bool set_read_marker = true;
};

struct ReceiveResult {
    std::vector<ChatMessage> messages;  // ascending for the future, newest first for history
    std::optional<int64_t> last_given;  // X-Chat-Last-Given: absent when nothing was given
    bool wait = false;                  // the future holds nothing yet: park the request
};

/// Reactions per emoji, as the message object's `reactions` field.
std::map<std::string, int64_t> reaction_counts(const std::vector<Reaction>& reactions);

class Chat {
public:
    explicit Chat(Store& store) : store_(store) {}

    TalkResult<ChatMessage> post(const Membership& who, const PostRequest& request, int64_t now_s);
    /// Shares a file into the chat: a comment reading "{file}", or the caption (with its
    /// mentions) when there is one, and the file's rich object as the {file} parameter.
    TalkResult<ChatMessage> share_file(const Membership& who, const SharedFile& file,
                                       const PostRequest& caption, int64_t now_s);
    TalkResult<ReceiveResult> receive(const Membership& who, const ReceiveRequest& request,
                                      int64_t now_s);
    /// The author (or a moderator of a group or public room) replaces the text of a comment
    /// younger than kEditWindowS.
    TalkResult<ChatMessage> edit(const Membership& who, int64_t id, std::string_view message,
                                 int64_t now_s);
    /// The author (or a moderator) deletes a comment younger than kDeleteWindowS.
    TalkResult<ChatMessage> remove(const Membership& who, int64_t id, int64_t now_s);
    /// True when the reaction is new, false when it was there already (Talk: 201 and 200).
    TalkResult<bool> react(const Membership& who, int64_t id, std::string_view reaction,
                           int64_t now_s);
    TalkResult<Done> unreact(const Membership& who, int64_t id, std::string_view reaction,
                             int64_t now_s);
    TalkResult<std::vector<Reaction>> reactions(const Membership& who, int64_t id, int64_t now_s);
    /// The reactions of a page of messages (one store query), as each message's extras:
    /// counts per emoji and the reader's own. Messages without reactions have no entry.
    TalkResult<std::map<int64_t, MessageExtras>>
    page_reactions(const Membership& who, const std::vector<ChatMessage>& page);

    /// Sets the read marker (at most the room's newest message).
    TalkResult<Done> mark_read(const Membership& who, int64_t id);
    /// "Mark as unread": the marker goes to the message before the newest one.
    TalkResult<Done> mark_unread(const Membership& who);
    TalkResult<UnreadCounts> unread(const Membership& who);
    /// X-Chat-Last-Common-Read: the newest message every user in the room has read.
    TalkResult<int64_t> last_common_read(const Membership& who);

private:
    TalkResult<ChatMessage> changeable(const Membership& who, int64_t id, int64_t now_s,
                                       int64_t window_s);
    TalkResult<Done> post_system(const NewChatMessage& message);
    /// The checks and the posting that post() and share_file() share; `text` is what the
    /// message reads, `extra_parameters` its parameters beside the mentions.
    TalkResult<ChatMessage> post_comment(const Membership& who, const PostRequest& request,
                                         std::string_view text,
                                         const std::map<std::string, std::string>& extra_parameters,
                                         int64_t now_s);

    Store& store_;  // borrowed
};

}  // namespace tern::sig::backend
