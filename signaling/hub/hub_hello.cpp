// Hello: v1 (the backend checks the ticket), internal (HMAC of the internal secret), resume
// (signaling-protocol.md §3.2). v2 (JWT) is in hub_hello_v2.cpp.
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_answers.hpp"
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/backend_api/checksum.hpp"
#include "signaling/cluster/session_store.hpp"
#include "signaling/hub/features.hpp"
#include "signaling/hub/hub.hpp"

#include <chrono>

namespace tern::sig {

namespace {

BruteForceLimiter::Clock::time_point limiter_time(uint64_t now_us) {
    return BruteForceLimiter::Clock::time_point{std::chrono::microseconds{now_us}};
}

}  // namespace

std::optional<std::size_t> Hub::backend_index(std::string_view url) const {
    const BackendEntry* b = find_backend(backend_urls_, url);
    if (b == nullptr) {
        return std::nullopt;
    }
    return backend_of_url_[static_cast<std::size_t>(b - backend_urls_.data())];
}

void Hub::handle_hello(ConnId conn, const std::string& id, api::Hello hello, uint64_t now_us,
                       Effects& fx) {
    // Every kind of hello spends a token, before anything else (a v1 hello costs a backend
    // request); a refused one costs nothing and the client may try again (docs/signaling.md,
    // Operations).
    const ClientInfo& who = conns_[conn].who;
    if (!who.limits_exempt && !hello_rate_->admit(who.ip, now_us)) {
        ++hellos_rate_limited_;
        send_error(conn, id, api::ErrorCode::TooManyRequests, "Too many requests.", fx);
        hello_failed(conn, now_us);
        return;
    }
    if (!hello.resume_id.empty()) {
        hello_resume(conn, id, hello, now_us, fx);
        return;
    }
    switch (hello.auth.type) {
    case api::AuthType::Internal: hello_internal(conn, id, std::move(hello), now_us, fx); return;
    case api::AuthType::Federation:
        send_error(conn, id, api::ErrorCode::InvalidClientType,
                   "Federation clients are not supported.", fx);
        hello_failed(conn, now_us);
        return;
    case api::AuthType::Client: break;
    }
    const auto backend = backend_index(hello.auth.url);
    if (!backend) {
        send_error(conn, id, api::ErrorCode::InvalidBackend,
                   "The requested backend is not allowed.", fx);
        hello_failed(conn, now_us);
        return;
    }
    if (hello.version == api::HelloVersion::V2) {
        hello_v2(ParkedHello{conn, id, std::move(hello), *backend, false}, now_us, fx);
        return;
    }
    conns_[conn].auth_pending = true;
    AuthCall call{conn, id, hello.version, std::move(hello.features), *backend};
    backend_call(*backend,
                 write_backend_request(api::BackendAuthRequest{std::move(hello.auth.params)}),
                 std::move(call), fx);
}

void Hub::hello_failed(ConnId conn, uint64_t now_us) {
    // The hello deadline starts again after a failed hello.
    const auto it = conns_.find(conn);
    if (it == conns_.end()) {
        return;
    }
    it->second.auth_pending = false;
    it->second.hello_deadline_us = now_us + kHelloTimeoutUs;
    timers_.push(Timer{it->second.hello_deadline_us, TimerKind::Hello, conn, {}, {}});
}

void Hub::on_auth_reply(AuthCall call, const BackendReply& reply, uint64_t now_us, Effects& fx) {
    const auto cit = conns_.find(call.conn);
    if (cit == conns_.end() || cit->second.closing) {
        return;  // the client left while the backend was asked
    }
    cit->second.auth_pending = false;
    auto fail = [&](api::ErrorCode code, std::string_view message, std::string_view details = {},
                    std::string_view code_text = {}) {
        std::string out;
        api::write_error(out, call.request_id, code, message, details, code_text);
        fx.send(call.conn, std::move(out));
        hello_failed(call.conn, now_us);
    };
    if (!reply.transport_ok) {
        fail(api::ErrorCode::InternalError, "The backend could not be reached.");
        return;
    }
    auto answer = parse_backend_answer(reply.body);
    if (!answer) {
        if (answer.error().throttled) {
            fail(api::ErrorCode::TooManyRequests, "Too many requests.");
        } else {
            fail(api::ErrorCode::InternalError, "The backend's answer could not be read.");
        }
        return;
    }
    if (const auto* err = std::get_if<api::BackendError>(&*answer)) {
        fail(api::ErrorCode::InternalError, err->message, err->details, err->code);
        return;
    }
    const auto* auth = std::get_if<api::BackendAuthAnswer>(&*answer);
    if (auth == nullptr) {
        fail(api::ErrorCode::AuthFailed, "Authentication failed.");
        return;
    }
    start_client_session(call.conn, call.request_id, call.version, std::move(call.features),
                         call.backend, auth->user_id, auth->user, now_us, fx);
}

void Hub::start_client_session(ConnId conn, std::string_view id, api::HelloVersion version,
                               std::vector<std::string> features, std::size_t backend,
                               const std::string& user_id, const api::RawJson& user,
                               uint64_t now_us, Effects& fx) {
    const uint32_t limit = cfg_.backends[backend].session_limit;
    if (limit != 0 && clients_per_backend_[backend] >= limit) {
        send_error(conn, id, api::ErrorCode::SessionLimitExceeded,
                   "Too many sessions connected for this backend.", fx);
        hello_failed(conn, now_us);
        return;
    }
    Session& s = create_session(ClientType::Client, backend, now_us, fx);
    s.conn = conn;
    s.version = version;
    s.user_id = user_id;
    s.user = user;
    s.features = std::move(features);
    index_user(s, true, fx);
    conns_[conn].session = s.public_id;
    conns_[conn].auth_pending = false;
    write_hello(conn, id, s, fx);
    if (s.anonymous()) {
        start_join_timer(s, now_us);
    }
}

void Hub::hello_internal(ConnId conn, const std::string& id, api::Hello hello, uint64_t now_us,
                         Effects& fx) {
    if (cfg_.internal_secret.empty()) {
        send_error(conn, id, api::ErrorCode::InvalidClientType, "Internal clients are not allowed.",
                   fx);
        hello_failed(conn, now_us);
        return;
    }
    const std::string ip = conns_[conn].who.ip;
    if (limiter_->blocked(GuardedAction::InternalHello, ip, limiter_time(now_us))) {
        send_error(conn, id, api::ErrorCode::TooManyRequests, "Too many requests.", fx);
        hello_failed(conn, now_us);
        return;
    }
    // verify_backend_checksum over an empty body is HMAC-SHA256(secret, random), and refuses a
    // random shorter than 32 characters, as the internal hello requires.
    if (!verify_backend_checksum(cfg_.internal_secret, hello.auth.random, {}, hello.auth.token)) {
        limiter_->record_failure(GuardedAction::InternalHello, ip, limiter_time(now_us));
        send_error(conn, id, api::ErrorCode::InvalidToken, "The token could not be authenticated.",
                   fx);
        hello_failed(conn, now_us);
        return;
    }
    const auto backend = backend_index(hello.auth.backend);
    if (!backend) {
        send_error(conn, id, api::ErrorCode::InvalidBackend,
                   "The requested backend is not allowed.", fx);
        hello_failed(conn, now_us);
        return;
    }
    Session& s = create_session(ClientType::Internal, *backend, now_us, fx);
    s.conn = conn;
    s.version = hello.version;
    s.features = std::move(hello.features);
    if (!s.has_feature("internal-incall")) {
        s.in_call = kInCall | kInCallWithAudio;
    }
    conns_[conn].session = s.public_id;
    write_hello(conn, id, s, fx);
}

void Hub::hello_resume(ConnId conn, const std::string& id, const api::Hello& hello, uint64_t now_us,
                       Effects& fx) {
    const std::string ip = conns_[conn].who.ip;
    if (limiter_->blocked(GuardedAction::Resume, ip, limiter_time(now_us))) {
        send_error(conn, id, api::ErrorCode::TooManyRequests, "Too many requests.", fx);
        hello_failed(conn, now_us);
        return;
    }
    const auto it = by_resume_.find(hello.resume_id);
    Session* s = it == by_resume_.end() ? nullptr : find_session(it->second);
    if (s == nullptr && load_remote_session(conn, id, hello.resume_id)) {
        // Another node's, perhaps: the session store says (on_session_loaded).
        fx.cluster_loads.push_back({conn, cluster::record_key(hello.resume_id)});
        return;
    }
    if (s == nullptr) {
        // Only ids this cluster never issued count as guessing; an expired one is an honest miss.
        if (!ids_.read_resume(hello.resume_id)) {
            limiter_->record_failure(GuardedAction::Resume, ip, limiter_time(now_us));
        }
        send_error(conn, id, api::ErrorCode::NoSuchSession, "The session to resume does not exist.",
                   fx);
        hello_failed(conn, now_us);
        return;
    }
    if (s->conn != 0 && s->conn != conn) {
        std::string out;
        api::write_bye(out, {}, "session_resumed");
        fx.send(s->conn, std::move(out));
        fx.close(s->conn);
        const auto old = conns_.find(s->conn);
        if (old != conns_.end()) {
            old->second.closing = true;
            old->second.session.clear();
        }
    }
    s->conn = conn;
    s->detached_at_us = 0;
    conns_[conn].session = s->public_id;
    write_hello(conn, id, *s, fx);
    s->queue.replay(conn, fx);
}

void Hub::write_hello(ConnId conn, std::string_view id, const Session& s, Effects& fx) {
    const auto features = server_features(cfg_, s.type == ClientType::Internal);
    std::string out;
    api::write_hello_reply(out, {id, s.version == api::HelloVersion::V2 ? "2.0" : "1.0",
                                 s.public_id, s.resume_id, s.user_id, features});
    fx.send(conn, std::move(out));
    save_record(s, fx);
}

}  // namespace tern::sig
