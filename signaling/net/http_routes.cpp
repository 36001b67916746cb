#include "signaling/net/http_routes.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_post_check.hpp"
#include "signaling/net/prometheus_metrics.hpp"
#include "signaling/net/shard.hpp"
#include "signaling/net/static_files.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <charconv>
#include <ctime>

namespace tern::sig::net {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kRoomPrefix = "/api/v1/room/";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";

std::optional<std::string_view> header(const HttpRequest& req, std::string_view name) {
    auto it = req.find(boost::beast::string_view(name.data(), name.size()));
    if (it == req.end()) {
        return std::nullopt;
    }
    return std::string_view(it->value().data(), it->value().size());
}

std::optional<std::size_t> content_length(const HttpRequest& req) {
    auto v = header(req, "Content-Length");
    if (!v) {
        return std::nullopt;
    }
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size()) {
        return std::nullopt;
    }
    return n;
}

RouteResult respond(const EdgeContext& ctx, int status, std::string_view type, std::string body,
                    const HttpRequest& req) {
    return RouteResult{make_response(ctx, status, type, std::move(body), req), {}, std::nullopt};
}

/// The web client's answer (static_files.hpp decides; this only copies it into Beast's types).
HttpResponse web_response(const EdgeContext& ctx, const StaticFiles& web, const HttpRequest& req) {
    auto view = [](boost::beast::string_view v) { return std::string_view(v.data(), v.size()); };
    const StaticResponse r = web.respond(StaticRequest{
        view(req.method_string()), view(req.target()), view(req[http::field::accept_encoding]),
        view(req[http::field::if_none_match])});
    HttpResponse res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::server, ctx.server_header);
    res.set(http::field::date, http_date(std::chrono::system_clock::now()));
    for (const auto& [name, value] : r.headers()) {
        res.set(boost::beast::string_view(name.data(), name.size()),
                boost::beast::string_view(value.data(), value.size()));
    }
    res.keep_alive(req.keep_alive());
    res.body().assign(r.body.data(), r.body.size());
    // Set, not derived from the body: a HEAD answer has none but says the file's length.
    res.content_length(r.content_length);
    return res;
}

RouteResult welcome(const EdgeContext& ctx, const HttpRequest& req) {
    std::string body;
    api::JsonWriter w(body);
    w.begin_object()
        .field("nextcloud-spreed-signaling", "Welcome")
        .field("version", api::kServerVersion)
        .end_object();
    body += '\n';
    return respond(ctx, 200, kJson, std::move(body), req);
}

RouteResult stats(Shard& shard, const HttpRequest& req) {
    shard.publish_stats();
    const HubStats s = shard.context().hub_totals();
    std::string body;
    api::JsonWriter w(body);
    w.begin_object()
        .field("rooms", s.rooms)
        .field("sessions", s.sessions)
        .field("connections", s.connections)
        .field("backend_calls_in_flight", s.backend_calls_in_flight)
        .end_object();
    body += '\n';
    return respond(shard.context(), 200, kJson, std::move(body), req);
}

/// What this server is (§5 "Other endpoints"): its version and features, the SFU it drives and
/// whether it is clustered. The reference lists more (dial-out clients, gRPC, etcd) that tern
/// does not have.
RouteResult serverinfo(const EdgeContext& ctx, const HttpRequest& req) {
    std::string body;
    api::JsonWriter w(body);
    w.begin_object().field("version", api::kServerVersion).key("features").begin_array();
    std::string_view rest = ctx.features_header;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(", ");
        w.value(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
    }
    w.end_array();
    if (ctx.config.mcu.type == McuType::Proxy) {
        w.key("sfu").begin_object().field("mode", "proxy").end_object();
    }
    const bool clustered =
        !ctx.config.nats_urls.empty() && ctx.config.nats_urls.front() != "nats://loopback";
    w.key("nats").begin_object().field("enabled", clustered).end_object();
    w.end_object();
    body += '\n';
    return respond(ctx, 200, kJson, std::move(body), req);
}

RouteResult metrics(Shard& shard, const HttpRequest& req) {
    shard.publish_stats();
    return respond(shard.context(), 200, "text/plain; version=0.0.4",
                   prometheus_metrics(shard.context()), req);
}

RouteResult backend_post(Shard& shard, const HttpRequest& req, std::string_view room_id,
                         const std::string& ip) {
    EdgeContext& ctx = shard.context();
    BackendPost post;
    post.content_length = content_length(req);
    const std::string content_type(req[http::field::content_type]);
    post.content_type = content_type;
    post.body = req.body();
    post.random = header(req, "Spreed-Signaling-Random").value_or("");
    post.checksum = header(req, "Spreed-Signaling-Checksum").value_or("");
    post.backend = header(req, "Spreed-Signaling-Backend");
    const bool throttled =
        ctx.limiter.blocked(GuardedAction::BackendRequest, ip, SharedBruteForce::Clock::now());
    const BackendPostVerdict v = check_backend_post(post, ctx.backends, throttled);
    if (v.status != 0) {
        EdgeCounters::add(shard.counters().backend_posts_refused);
        std::chrono::milliseconds delay{0};
        int status = v.status;
        std::string reason(v.reason);
        if (v.count_failure) {
            delay = ctx.limiter.record_failure(GuardedAction::BackendRequest, ip,
                                               SharedBruteForce::Clock::now());
            shard.log().warn("backend request refused",
                             {{"ip", ip}, {"status", v.status}, {"reason", v.reason}});
            // The failure that crosses the limit is already answered 429 (§8 item 24: the
            // 11th bad checksum), not only the attempts after it.
            if (ctx.limiter.blocked(GuardedAction::BackendRequest, ip,
                                    SharedBruteForce::Clock::now())) {
                status = 429;
                reason = "too many failed requests from this address";
            }
        }
        RouteResult r = respond(ctx, status, kText, reason + "\n", req);
        if (ctx.options.delay_failures) {
            r.delay = delay;
        }
        return r;
    }
    BackendPostRequest fwd;
    fwd.backend = static_cast<std::size_t>(v.from - ctx.backends.data());
    fwd.room_id = std::string(room_id);
    fwd.body = req.body();
    fwd.ip = ip;
    RouteResult r;
    r.forward = std::move(fwd);
    return r;
}

}  // namespace

std::string_view header_value(const HttpRequest& req, std::string_view name) {
    return header(req, name).value_or(std::string_view{});
}

std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find('?'));
}

RouteResult route_http(Shard& shard, const HttpRequest& req, const std::string& client_ip) {
    EdgeContext& ctx = shard.context();
    EdgeCounters::add(shard.counters().http_requests);
    const std::string_view path =
        target_path(std::string_view(req.target().data(), req.target().size()));
    const bool get = req.method() == http::verb::get;
    if (path == "/api/v1/welcome" && get) {
        return welcome(ctx, req);
    }
    // Liveness (the process answers) and readiness (Shard::not_ready): for a load balancer,
    // systemd or an orchestrator; they say nothing private, so any peer may ask.
    if (path == "/healthz" && get) {
        return respond(ctx, 200, kText, "ok\n", req);
    }
    if (path == "/readyz" && get) {
        const std::string why = shard.not_ready();
        std::string body;
        api::JsonWriter w(body);
        w.begin_object().field("ready", why.empty());
        if (!why.empty()) {
            w.field("reason", why);
        }
        w.end_object();
        body += '\n';
        return respond(ctx, why.empty() ? 200 : 503, kJson, std::move(body), req);
    }
    if (path.starts_with(kRoomPrefix)) {
        const std::string_view room = path.substr(kRoomPrefix.size());
        if (room.empty() || room.find('/') != std::string_view::npos) {
            return respond(ctx, 404, kText, "not found\n", req);
        }
        if (req.method() != http::verb::post) {
            return respond(ctx, 405, kText, "POST only\n", req);
        }
        return backend_post(shard, req, room, client_ip);
    }
    if ((path == "/api/v1/stats" || path == "/api/v1/serverinfo" || path == "/metrics") && get) {
        if (!ctx.stats_allowed.contains(client_ip)) {
            return respond(ctx, 403, kText, "Authentication check failed\n", req);
        }
        if (path == "/api/v1/serverinfo") {
            return serverinfo(ctx, req);
        }
        return path == "/metrics" ? metrics(shard, req) : stats(shard, req);
    }
    if (path == "/spreed") {
        return respond(ctx, 400, kText, "WebSocket upgrade required\n", req);
    }
    if (get || req.method() == http::verb::head) {
        if (ctx.options.web) {
            return RouteResult{web_response(ctx, *ctx.options.web, req), {}, std::nullopt};
        }
        if (path == "/" && !ctx.options.web_unavailable.empty()) {
            return respond(ctx, 503, kText,
                           "The web client is not available: " + ctx.options.web_unavailable +
                               "\nBuild it with tools/tern build (docs/user-guide.md).\n",
                           req);
        }
    }
    return respond(ctx, 404, kText, "not found\n", req);
}

HttpResponse make_response(const EdgeContext& ctx, int status, std::string_view content_type,
                           std::string body, const HttpRequest& req) {
    HttpResponse res{static_cast<http::status>(status), req.version()};
    res.set(http::field::server, ctx.server_header);
    res.set("X-Spreed-Signaling-Features", ctx.features_header);
    res.set(http::field::date, http_date(std::chrono::system_clock::now()));
    if (!body.empty()) {
        res.set(http::field::content_type,
                boost::beast::string_view(content_type.data(), content_type.size()));
    }
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

HttpResponse answer_response(const EdgeContext& ctx, const HttpAnswer& answer,
                             const HttpRequest& req) {
    return make_response(ctx, answer.status, kJson,
                         answer.body.empty() ? std::string("{}") : answer.body, req);
}

std::string http_date(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

}  // namespace tern::sig::net
