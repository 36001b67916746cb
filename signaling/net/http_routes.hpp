// The HTTP API of the signaling server apart from the WebSocket (§5): the welcome page, the
// backend's POST /api/v1/room/{id} up to the point where the handler takes it, stats and
// metrics for allowed addresses, 404 for the rest. Independent of the transport, so the HTTP
// session for TCP and for TLS share it.
#pragma once

#include "signaling/hub/handler.hpp"
#include "signaling/net/edge_context.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::net {

class Shard;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct RouteResult {
    HttpResponse response;                      // unless `forward`
    std::chrono::milliseconds delay{0};         // wait this long before answering (brute force)
    std::optional<BackendPostRequest> forward;  // accepted: the handler answers it
};

/// Routes one request (not a WebSocket upgrade) from `client_ip` (after trusted proxies).
RouteResult route_http(Shard& shard, const HttpRequest& req, const std::string& client_ip);

/// A response with the headers every response carries: Server, X-Spreed-Signaling-Features,
/// Date, and Content-Type when there is a body.
HttpResponse make_response(const EdgeContext& ctx, int status, std::string_view content_type,
                           std::string body, const HttpRequest& req);

/// The HTTP response for a handler's answer to a backend POST.
HttpResponse answer_response(const EdgeContext& ctx, const HttpAnswer& answer,
                             const HttpRequest& req);

/// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::chrono::system_clock::time_point t);

/// A request header's value, "" when it is absent.
std::string_view header_value(const HttpRequest& req, std::string_view name);

/// The path of a request target, without its query.
std::string_view target_path(std::string_view target);

}  // namespace tern::sig::net
