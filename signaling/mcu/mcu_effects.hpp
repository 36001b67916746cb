// What the MCU client decides and the edge and hub carry out. Like the hub's Effects
// (signaling/hub/effects.hpp), McuClient never touches a socket: every call returns McuEffects,
// the frames to write on each proxy connection, connections to open or close, and results for
// the hub, which turns them into Talk messages (§3.6: the publisher's answer comes "from self",
// a subscriber's offer and candidates come with sender = the publisher).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tern::sig::mcu {

/// A proxy connection: the index of its URL in [mcu] url. One connection per URL at a time.
using ProxyIndex = std::size_t;

/// Open a WebSocket to `url` (already ending in /proxy) and call McuClient::on_open or on_closed.
struct OpenProxy {
    ProxyIndex proxy = 0;
    std::string url;
};

/// Close the connection (after the frames queued before this effect); no on_closed is expected.
struct CloseProxy {
    ProxyIndex proxy = 0;
};

/// A text frame for a proxy connection, in the order returned.
struct ProxyFrame {
    ProxyIndex proxy = 0;
    std::string text;
};

/// Which stream of a Talk session a result is about. `publisher` is the session whose media it
/// is: equal to `session` for its own publisher, another session for a subscription.
struct StreamRef {
    std::string session;    // the Talk session to tell
    std::string publisher;  // the Talk session that publishes the stream
    std::string stream;     // roomType: "video" or "screen"
    std::string sid;        // the Talk client's sid for this negotiation
    friend bool operator==(const StreamRef&, const StreamRef&) = default;
};

/// The SFU's answer to a publisher's offer: the hub sends it to `ref.session` from itself.
struct PublisherAnswer {
    StreamRef ref;
    std::string client_id;  // the proxy's id of the publisher
    uint64_t bitrate = 0;   // what the proxy granted
    std::string sdp;
};

/// An offer for a subscriber (after requestoffer, or a proxy-initiated renegotiation): the hub
/// sends it to `ref.session` with sender `ref.publisher`.
struct SubscriberOffer {
    StreamRef ref;
    std::string sdp;
};

/// A candidate the SFU trickles: to `ref.session`, from `ref.publisher`. `candidate` is the
/// candidate object's JSON as the proxy sent it ({"candidate":…,"sdpMid":…,"sdpMLineIndex":…}).
struct SfuCandidate {
    StreamRef ref;
    std::string candidate;
};

/// The SFU closed a publisher or subscriber on its own (publisher-closed / subscriber-closed),
/// or its proxy's session was lost; the hub may tell the client and forget the stream.
struct StreamClosed {
    StreamRef ref;
    bool publisher = false;
};

/// What a failed request was for.
enum class McuRequest : uint8_t {
    Publish,
    RequestOffer,
    Answer,
    Candidate,
    SelectStream,
    Unpublish,
    Unsubscribe
};

enum class McuFailure : uint8_t {
    NoProxy,         // no proxy connected (or all are shutting down)
    ClientNotFound,  // no such publisher/subscriber here (Talk: client_not_found)
    Timeout,         // no reply within the request timeout
    ConnectionLost,  // the connection dropped before the reply
    ProxyError,      // the proxy answered with an error: `code`/`message` say which
};

/// A request of the hub's that failed; Talk's error for it is processing_failed unless
/// `failure` is ClientNotFound.
struct McuFailed {
    StreamRef ref;
    McuRequest request = McuRequest::Publish;
    McuFailure failure = McuFailure::ProxyError;
    std::string code;  // the proxy's error code, for ProxyError
    std::string message;
};

using McuResult =
    std::variant<PublisherAnswer, SubscriberOffer, SfuCandidate, StreamClosed, McuFailed>;

struct McuEffects {
    std::vector<OpenProxy> opens;
    std::vector<CloseProxy> closes;
    std::vector<ProxyFrame> frames;
    std::vector<McuResult> results;

    void send(ProxyIndex p, std::string text) { frames.push_back({p, std::move(text)}); }
    void result(McuResult r) { results.push_back(std::move(r)); }
    [[nodiscard]] bool empty() const noexcept {
        return opens.empty() && closes.empty() && frames.empty() && results.empty();
    }
};

}  // namespace tern::sig::mcu
