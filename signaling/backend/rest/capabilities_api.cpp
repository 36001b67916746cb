#include "signaling/backend/rest/capabilities_api.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/chat/message_text.hpp"

namespace tern::sig::backend::rest {

const std::vector<std::string_view>& spreed_features() {
    static const std::vector<std::string_view> kFeatures = {
        "audio",
        "video",
        "chat-v2",
        "conversation-v4",
        "multi-room-users",
        "last-room-activity",
        "no-ping",
        "system-messages",
        "delete-messages",
        "edit-messages",
        "mention-flag",
        "direct-mention-flag",
        "in-call-flags",
        "conversation-call-flags",
        "read-only-rooms",
        "chat-read-marker",
        "chat-unread",
        "webinary-lobby",
        "start-call-flag",
        "chat-replies",
        "room-description",
        "signaling-v3",
        "conversation-permissions",
        "chat-permission",
        "publishing-permissions",
        "silent-send",
        "reactions",
        "chat-reference-id",
        "note-to-self",
        "locked-one-to-one-rooms",
    };
    return kFeatures;
}

ApiResult<ApiReply> capabilities(ApiCall& call) {
    const RestSettings& s = call.service.settings();
    std::string out;
    api::JsonWriter w(out);
    w.begin_object();
    w.key("version").begin_object();
    w.field("major", 0).field("minor", 1).field("micro", 0).field("string", s.version);
    w.field("edition", "").field("extendedSupport", false);
    w.end_object();
    w.key("capabilities").begin_object();
    w.key("core").begin_object().field("pollinterval", 60).field("webdav-root", "").end_object();
    w.key("spreed").begin_object();
    w.key("features").begin_array();
    for (const std::string_view f : spreed_features()) {
        w.value(f);
    }
    w.end_array();
    w.key("config").begin_object();
    w.key("attachments").begin_object().field("allowed", false).end_object();
    w.key("chat")
        .begin_object()
        .field("max-length", static_cast<int64_t>(kMaxMessageChars))
        .field("read-privacy", 0)
        .field("has-translation-providers", false)
        .field("typing-privacy", 0)
        .end_object();
    w.key("conversations")
        .begin_object()
        .field("can-create", true)
        .field("force-passwords", false)
        .field("description-length", 2000)
        .end_object();
    w.key("call")
        .begin_object()
        .field("enabled", true)
        .field("breakout-rooms", false)
        .field("recording", false)
        .field("sip-enabled", false)
        .field("sip-dialout-enabled", false)
        .field("can-enable-sip", false)
        .field("start-without-media", false)
        .field("max-duration", 0)
        .field("can-upload-background", false)
        .key("supported-reactions")
        .begin_array()
        .end_array()
        .end_object();
    w.key("previews").begin_object().field("max-gif-size", 3145728).end_object();
    w.key("signaling").begin_object().field("session-ping-limit", 200).end_object();
    w.end_object();
    w.field("version", s.version);
    w.end_object();
    w.end_object();
    w.end_object();
    return ok_data(std::move(out));
}

}  // namespace tern::sig::backend::rest
