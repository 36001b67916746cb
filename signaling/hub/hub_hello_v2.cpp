// Hello v2 (signaling-protocol.md §3.2): the client brings a JWT from Talk, verified with the
// key in its backend's capabilities (§4) instead of asking the backend. Capabilities are fetched
// when a v2 hello needs them and cached (CapabilitiesCache); hellos wait for the fetch, and a
// missing key forces one refetch (Talk may have just created it).
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/backend_api/hello_token.hpp"
#include "signaling/hub/hub.hpp"

#include <algorithm>

namespace tern::sig {

int Hub::api_version(std::size_t backend) const {
    // Stale capabilities still say which endpoint the backend has.
    const CapabilitiesCache::Entry* e = caps_.find(cfg_.backends[backend].entry.url);
    return e == nullptr ? kDefaultBackendApiVersion : e->caps.signaling_api_version();
}

void Hub::fetch_capabilities(std::size_t backend, uint64_t now_us, Effects& fx) {
    const std::string& url = cfg_.backends[backend].entry.url;
    if (!caps_.needs_fetch(url, now_us)) {
        return;  // fresh, or a fetch is already under way
    }
    caps_.fetch_started(url, now_us);
    const CallId id = next_call_++;
    BackendCall bc;
    bc.call = id;
    bc.backend = backend;
    bc.method = HttpMethod::Get;
    bc.url = backend_capabilities_url(url);
    bc.if_none_match = std::string(caps_.etag(url));
    fx.call(std::move(bc));
    calls_.emplace(id, CapabilitiesCall{backend});
}

void Hub::hello_v2(ParkedHello p, uint64_t now_us, Effects& fx) {
    const auto cit = conns_.find(p.conn);
    if (cit == conns_.end() || cit->second.closing || !cit->second.session.empty()) {
        return;
    }
    const std::string& url = cfg_.backends[p.backend].entry.url;
    const BackendCapabilities* caps = caps_.get(url, now_us);
    if (caps == nullptr && p.fetched) {
        // The fetch we waited for failed: stale capabilities beat none.
        const CapabilitiesCache::Entry* e = caps_.find(url);
        caps = e == nullptr ? nullptr : &e->caps;
    }
    auto fail = [&](api::ErrorCode code, std::string_view message) {
        std::string out;
        api::write_error(out, p.id, code, message);
        fx.send(p.conn, std::move(out));
        hello_failed(p.conn, now_us);
    };
    if (caps == nullptr && p.fetched) {
        fail(api::ErrorCode::InternalError, "The backend's capabilities are unavailable.");
        return;
    }
    const bool no_key = caps != nullptr && caps->hello_v2_token_key.empty();
    if (caps == nullptr || (no_key && !p.refetched && caps_.force_refresh(url, now_us))) {
        p.refetched = p.refetched || no_key;
        p.fetched = false;
        cit->second.auth_pending = true;
        const std::size_t backend = p.backend;
        parked_hellos_.push_back(std::move(p));
        fetch_capabilities(backend, now_us, fx);
        return;
    }
    if (no_key) {
        fail(api::ErrorCode::InvalidToken, "The backend publishes no token key.");
        return;
    }
    const auto user = verify_hello_token(p.hello.auth.token, caps->hello_v2_token_key,
                                         static_cast<int64_t>(now_us / 1'000'000));
    if (!user) {
        fail(user.error().code, "The token could not be verified.");
        return;
    }
    start_client_session(p.conn, p.id, p.hello.version, std::move(p.hello.features), p.backend,
                         user->user_id, user->user_data, now_us, fx);
}

void Hub::on_capabilities_reply(CapabilitiesCall call, const BackendReply& reply, uint64_t now_us,
                                Effects& fx) {
    const std::string& url = cfg_.backends[call.backend].entry.url;
    bool ok = false;
    if (reply.transport_ok && reply.status == 304) {
        ok = caps_.revalidated(url, reply.max_age_s, now_us);
    } else if (reply.transport_ok && reply.status == 200) {
        if (auto caps = parse_capabilities(reply.body)) {
            caps_.store(url, std::move(*caps), reply.max_age_s, reply.etag, now_us);
            ok = true;
        }
    }
    if (!ok) {
        caps_.fetch_failed(url);
    }
    std::vector<ParkedHello> waiting;
    const auto mid =
        std::stable_partition(parked_hellos_.begin(), parked_hellos_.end(),
                              [&](const ParkedHello& p) { return p.backend != call.backend; });
    std::move(mid, parked_hellos_.end(), std::back_inserter(waiting));
    parked_hellos_.erase(mid, parked_hellos_.end());
    for (ParkedHello& p : waiting) {
        if (const auto c = conns_.find(p.conn); c != conns_.end()) {
            c->second.auth_pending = false;
        }
        p.fetched = true;
        hello_v2(std::move(p), now_us, fx);
    }
}

}  // namespace tern::sig
