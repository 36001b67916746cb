#include "signaling/net/rest_edge.hpp"

#include "signaling/backend/rest/rest_router.hpp"
#include "signaling/net/edge_context.hpp"

#include <boost/beast/http/field.hpp>

namespace tern::sig::net {

namespace {

namespace http = boost::beast::http;
using backend::rest::RestReply;

backend::rest::RestNow rest_now() {
    const uint64_t us = unix_now_us();
    return backend::rest::RestNow{static_cast<int64_t>(us / 1'000'000), us};
}

RestReply internal_error() {
    RestReply r;
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "internal error\n";
    return r;
}

std::string text_of(boost::beast::string_view v) {
    return std::string(v.data(), v.size());
}

}  // namespace

RestEdge::RestEdge(boost::asio::io_context& io,
                   std::unique_ptr<backend::rest::BackendService> service, Broadcast broadcast,
                   const Logger& log)
    : service_(std::move(service)), timer_(io), broadcast_(std::move(broadcast)), log_(log) {}

uint64_t RestEdge::serve(const backend::rest::RestRequest& req, Done done) {
    backend::rest::RestOutcome outcome;
    try {
        outcome = backend::rest::handle_rest(*service_, req, rest_now());
    } catch (const std::exception& e) {
        // Only the system failing gets here (the random source, memory): the request is
        // answered, the shard goes on.
        log_.error("REST request failed", {{"path", req.path}, {"err", std::string(e.what())}});
        done(internal_error());
        return 0;
    }
    if (auto* parked = std::get_if<backend::rest::ParkedPoll>(&outcome)) {
        const uint64_t id = parked->waiter;
        parked_.emplace(id, Parked{std::move(*parked), std::move(done)});
        arm();
        return id;
    }
    RestReply reply = std::get<RestReply>(std::move(outcome));
    const std::vector<backend::ChatWaiters::WaiterId> woken = std::move(reply.woken);
    const auto changed = reply.changed;
    done(std::move(reply));
    answer(woken);
    if (changed && broadcast_) {
        broadcast_(changed->first, changed->second);
    }
    return 0;
}

void RestEdge::notify(backend::RoomId room, int64_t newest) {
    answer(service_->waiters().notify(room, newest));
}

void RestEdge::cancel(uint64_t id) {
    if (parked_.erase(id) != 0) {
        service_->waiters().cancel(id);
        arm();
    }
}

void RestEdge::stop() {
    timer_.cancel();
    std::vector<Parked> all;
    for (auto& [id, p] : parked_) {
        service_->waiters().cancel(id);
        all.push_back(std::move(p));
    }
    parked_.clear();
    for (Parked& p : all) {
        RestReply r;
        r.status = 304;
        p.done(std::move(r));
    }
}

void RestEdge::answer(const std::vector<backend::ChatWaiters::WaiterId>& ids) {
    for (const auto id : ids) {
        auto it = parked_.find(id);
        if (it == parked_.end()) {
            continue;
        }
        Parked p = std::move(it->second);
        parked_.erase(it);
        RestReply r;
        try {
            r = backend::rest::answer_parked(*service_, p.poll, rest_now());
        } catch (const std::exception& e) {
            log_.error("REST long poll failed", {{"err", std::string(e.what())}});
            r = internal_error();
        }
        p.done(std::move(r));
    }
    arm();
}

void RestEdge::arm() {
    const auto next = service_->waiters().next_deadline();
    if (!next) {
        timer_.cancel();
        return;
    }
    const uint64_t now = unix_now_us();
    timer_.expires_after(std::chrono::microseconds(*next > now ? *next - now : 0));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            on_timer();
        }
    });
}

void RestEdge::on_timer() {
    answer(service_->waiters().expire(unix_now_us()));
}

backend::rest::RestRequest rest_request_of(const HttpRequest& req, const std::string& client_ip,
                                           bool tls) {
    backend::rest::RestRequest r;
    r.method = text_of(req.method_string());
    const std::string_view target(req.target().data(), req.target().size());
    const std::size_t q = target.find('?');
    r.path = std::string(target.substr(0, q));
    r.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
    r.body = req.body();
    r.content_type = text_of(req[http::field::content_type]);
    r.accept = text_of(req[http::field::accept]);
    r.authorization = text_of(req[http::field::authorization]);
    r.cookie = text_of(req[http::field::cookie]);
    r.ocs_api_request = std::string(header_value(req, "OCS-APIRequest"));
    r.request_token = std::string(header_value(req, "requesttoken"));
    r.requested_with = std::string(header_value(req, "X-Requested-With"));
    r.signaling_random = std::string(header_value(req, "Spreed-Signaling-Random"));
    r.signaling_checksum = std::string(header_value(req, "Spreed-Signaling-Checksum"));
    r.client_ip = client_ip;
    const std::string host = text_of(req[http::field::host]);
    r.base_url = std::string(tls ? "https://" : "http://") + (host.empty() ? "localhost" : host);
    return r;
}

HttpResponse rest_response(const EdgeContext& ctx, const backend::rest::RestReply& reply,
                           const HttpRequest& req) {
    HttpResponse res = make_response(ctx, reply.status, reply.content_type, reply.body, req);
    for (const auto& [name, value] : reply.headers) {
        res.set(boost::beast::string_view(name.data(), name.size()),
                boost::beast::string_view(value.data(), value.size()));
    }
    return res;
}

}  // namespace tern::sig::net
