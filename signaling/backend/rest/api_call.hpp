// What every API handler gets and gives: the call (service, request, its parameters, the
// clock, the envelope the client asked for) and, on success, the reply's status, data and extra
// headers. Failures are ApiError (api_error.hpp); the router turns either into the envelope.
#pragma once

#include "signaling/backend/rest/api_error.hpp"
#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/backend/rest/request_params.hpp"
#include "signaling/backend/rest/rest_exchange.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tern::sig::backend::rest {

struct ApiCall {
    BackendService& service;  // borrowed
    const RestRequest& req;   // borrowed
    const RequestParams& params;
    RestNow now;
    OcsApi api = OcsApi::V2;
    OcsFormat format = OcsFormat::Json;
};

struct ApiReply {
    int status = 200;
    std::string data = "[]";  // JSON text of the envelope's data
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<ChatWaiters::WaiterId> woken;           // long polls a posted message woke
    std::optional<std::pair<RoomId, int64_t>> changed;  // see RestReply::changed
    bool empty = false;                                 // no body at all (304)
};

/// A handler's success: a reply now, or a long poll to park.
using ApiOutcome = std::variant<ApiReply, ParkedPoll>;

inline ApiReply ok_data(std::string data, int status = 200) {
    ApiReply r;
    r.status = status;
    r.data = std::move(data);
    return r;
}

}  // namespace tern::sig::backend::rest
