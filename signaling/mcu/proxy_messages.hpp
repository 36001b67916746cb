// The signaling-proxy protocol as tern-signaling speaks it to an SFU (docs/proxy.md; the server
// side is controlplane/proxy/): writers for what we send (hello, command, payload, bye) and one
// parser for what a proxy sends (hello reply, command and payload replies, proxy-initiated
// payloads, events, errors, bye). The parser is total: a frame of the wrong shape is a
// ProxyParseError, never a crash, since a proxy is outside our control.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tern::sig::mcu {

/// JSON text kept as it is (candidates, selectStream payloads): forwarded, never re-encoded.
using RawJson = std::string;

/// The largest proxy frame we parse; SDP with many simulcast layers stays far below it.
inline constexpr std::size_t kMaxProxyFrame = 1024 * 1024;

// ---- what we send ---------------------------------------------------------------------------

/// Talk's publisher settings (§6.2 create-publisher); 0 / "" are left out of the frame.
struct PublisherSettings {
    uint64_t bitrate = 0;
    uint32_t media_types = 0;  // 1 audio | 2 video | 4 screen
    std::string audio_codec;
    std::string video_codec;
    std::string vp9_profile;
    std::string h264_profile;
};

struct CreatePublisherCommand {
    std::string sid;          // the Talk client's sid for this stream
    std::string stream_type;  // "video" or "screen"
    PublisherSettings settings;
};

struct CreateSubscriberCommand {
    std::string stream_type;
    std::string publisher_id;  // the publisher's clientId on the same proxy
};

/// A `payload` message: type is offer, answer, candidate, endOfCandidates, requestoffer,
/// sendoffer or selectStream; `payload` is the inner object (empty: omitted).
struct PayloadCommand {
    std::string type;
    std::string client_id;
    std::string sid;  // empty: omitted
    RawJson payload;
};

std::string write_hello_token(std::string_view id, std::string_view token);
std::string write_hello_resume(std::string_view id, std::string_view resume_id);
std::string write_create_publisher(std::string_view id, const CreatePublisherCommand& c);
std::string write_create_subscriber(std::string_view id, const CreateSubscriberCommand& c);
/// delete-publisher (publisher true) or delete-subscriber.
std::string write_delete_client(std::string_view id, bool publisher, std::string_view client_id);
std::string write_payload(std::string_view id, const PayloadCommand& p);
std::string write_bye();

/// Inner payloads: {"type":<type>,"sdp":<sdp>} and {"candidate":<candidate>}.
RawJson sdp_payload(std::string_view type, std::string_view sdp);
RawJson candidate_payload(std::string_view candidate_json);

// ---- what a proxy sends ---------------------------------------------------------------------

struct HelloReply {
    std::string session_id;
    std::string server_version;
    std::string country;
    std::vector<std::string> features;
};

/// A `command` reply: create-publisher {id, bitrate}, create-subscriber {id, sid}, delete {id}.
struct CommandReply {
    std::string client_id;
    std::optional<uint64_t> bitrate;
    std::string sid;
};

/// A `payload` message from the proxy: a reply (it has our id) or proxy-initiated (an update
/// `offer` under payload.offer, a trickled `candidate` under payload.candidate).
struct ProxyPayload {
    std::string type;
    std::string client_id;
    std::string sdp_type;  // of the SDP found, "" when none
    std::string sdp;
    RawJson candidate;  // the candidate object, "" when none
};

struct ProxyEvent {
    std::string type;  // update-load, publisher-closed, subscriber-closed, ice-completed, ...
    std::string client_id;
    std::string sid;  // subscriber-sid-updated
    std::optional<uint64_t> load;
};

struct ProxyError {
    std::string code;
    std::string message;
};

struct ProxyBye {
    std::string reason;
};

struct ProxyMessage {
    std::string id;  // the request this answers, "" for proxy-initiated messages
    std::variant<HelloReply, CommandReply, ProxyPayload, ProxyEvent, ProxyError, ProxyBye> body;
};

struct ProxyParseError {
    std::string id;  // when it could be read, so the request can still be failed
    std::string message;
};

/// One text frame from a proxy. Unknown message types are errors (the caller logs and drops).
Result<ProxyMessage, ProxyParseError> parse_proxy_message(std::string_view frame);

}  // namespace tern::sig::mcu
