// One Talk REST exchange as plain values: the request as the HTTP edge read it, and the decision
// the REST layer returns for it: a reply to send now, or a long poll to park (the edge keeps the
// ChatWaiters id beside its pending response, answers it with answer_parked() when the waiters
// wake it or its deadline passes, and cancels the waiter when the client goes away). No sockets
// and no Beast types here, so the whole API is tested without a network.
#pragma once

#include "signaling/backend/chat/chat.hpp"
#include "signaling/backend/chat/chat_waiters.hpp"
#include "signaling/backend/rest/ocs_envelope.hpp"
#include "signaling/backend/store/actor.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tern::sig::backend::rest {

/// The request: only what the REST layer reads, copied out of the HTTP message by the edge.
struct RestRequest {
    std::string method;  // "GET", "POST", "PUT", "DELETE", ...
    std::string path;    // without the query: "/ocs/v2.php/apps/spreed/api/v4/room"
    std::string query;   // after '?', undecoded
    std::string body;
    std::string content_type;
    std::string accept;
    std::string authorization;       // "Basic ..."
    std::string cookie;              // the Cookie header
    std::string ocs_api_request;     // the OCS-APIRequest header
    std::string request_token;       // the requesttoken header (CSRF token of a browser session)
    std::string requested_with;      // X-Requested-With: "XMLHttpRequest" from a page's script
    std::string signaling_random;    // Spreed-Signaling-Random (the backend endpoint)
    std::string signaling_checksum;  // Spreed-Signaling-Checksum
    std::string client_ip;           // after trusted proxies
    /// Where clients reach this server, "http://127.0.0.1:8080" (scheme and Host header): the
    /// signaling server's URL and the backend URL the settings hand out.
    std::string base_url;
};

/// What the clock says: Unix seconds for the store, Unix microseconds for the waiters and the
/// login throttle.
struct RestNow {
    int64_t s = 0;
    uint64_t us = 0;
};

struct RestReply {
    int status = 200;          // the HTTP status
    std::string content_type;  // "" with an empty body
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // beside Content-Type
    /// Long polls this request's change woke (a message was posted): answer each with
    /// answer_parked().
    std::vector<ChatWaiters::WaiterId> woken;
    /// The room this request changed and its newest message id then: the edge tells the other
    /// shards, whose waiters for that room this service does not hold.
    std::optional<std::pair<RoomId, int64_t>> changed;
};

/// A long poll waiting for a newer message: what answering it later needs.
struct ParkedPoll {
    ChatWaiters::WaiterId waiter = 0;
    uint64_t deadline_us = 0;
    std::string token;
    Actor actor;
    ReceiveRequest receive;
    OcsApi api = OcsApi::V2;
    OcsFormat format = OcsFormat::Json;
};

using RestOutcome = std::variant<RestReply, ParkedPoll>;

}  // namespace tern::sig::backend::rest
