// The hub's entry points, delivery to sessions and rooms, and the life of a session.
#include "signaling/hub/hub.hpp"

#include "common/overloaded.hpp"
#include "signaling/api/client_request_parser.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/hub/features.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace tern::sig {

namespace {

uint64_t system_random() {
    uint64_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
        // The ids still carry serial and time; the HMAC tag keeps them unforgeable.
        v = 0;
    }
    return v;
}

std::string user_key(std::size_t backend, std::string_view user_id) {
    return room_key(backend, user_id);
}

}  // namespace

Hub::Hub(const SignalingConfig& cfg, HubOptions opts)
    : cfg_(cfg),
      ids_(as_bytes(cfg.hash_key.data(), cfg.hash_key.size()),
           opts.node_id.value_or(ShardNodes{cfg.node_id, opts.shards}.node_of(opts.shard))),
      random_(opts.random ? std::move(opts.random) : std::function<uint64_t()>(system_random)),
      limiter_(opts.brute_force ? std::move(opts.brute_force)
                                : std::make_shared<SharedBruteForce>()),
      hello_rate_(opts.hello_rate ? std::move(opts.hello_rate)
                                  : std::make_shared<SharedHelloRate>(
                                        cfg.limits.hellos_per_second, cfg.limits.hello_burst,
                                        cfg.limits.tracked_addresses)),
      room_sessions_(std::move(opts.room_sessions)), shard_nodes_{cfg.node_id, opts.shards},
      clustered_(opts.shards > 1 ||
                 std::any_of(cfg.nats_urls.begin(), cfg.nats_urls.end(),
                             [](const std::string& u) { return u != "nats://loopback"; })) {
    clients_per_backend_.resize(cfg_.backends.size());
    for (std::size_t i = 0; i < cfg_.backends.size(); ++i) {
        const BackendConfig& b = cfg_.backends[i];
        std::vector<std::string> urls = b.urls;
        if (std::find(urls.begin(), urls.end(), b.entry.url) == urls.end()) {
            urls.insert(urls.begin(), b.entry.url);
        }
        for (const std::string& u : urls) {
            backend_urls_.push_back(BackendEntry{b.entry.id, u, b.entry.secret});
            backend_of_url_.push_back(i);
        }
    }
    if (cfg_.mcu.type == McuType::Proxy) {
        mcu::McuClientOptions mo;
        mo.urls = cfg_.mcu.urls;
        mo.directory = opts.publishers;
        mo.request_timeout_us = uint64_t{cfg_.mcu.timeout_s} * 1'000'000;
        mcu::TokenSource token = opts.mcu_token ? std::move(opts.mcu_token) : [](int64_t) {
            return Result<std::string, std::string>{unexpected(std::string("no token key"))};
        };
        mcu_ = std::make_unique<mcu::McuClient>(std::move(mo), std::move(token));
    }
}

// ---- entry points
// ---------------------------------------------------------------------------------

void Hub::open_conn(ConnId conn, ClientInfo who, uint64_t now_us) {
    Conn& c = conns_[conn];
    c.who = std::move(who);
    c.hello_deadline_us = now_us + kHelloTimeoutUs;
    timers_.push(Timer{c.hello_deadline_us, TimerKind::Hello, conn, {}, {}});
}

Effects Hub::on_handoff(const HandOff& h, uint64_t now_us) {
    // The client had its welcome from the shard that accepted it.
    open_conn(h.conn, h.who, now_us);
    return on_text(h.conn, h.hello, now_us);
}

Effects Hub::on_open(ConnId conn, const ClientInfo& who, uint64_t now_us) {
    Effects fx;
    open_conn(conn, who, now_us);
    std::string frame;
    const auto features = welcome_features(cfg_);
    api::write_welcome(frame, features, who.country);
    fx.send(conn, std::move(frame));
    return fx;
}

Effects Hub::on_text(ConnId conn, std::string_view frame, uint64_t now_us) {
    Effects fx;
    const auto cit = conns_.find(conn);
    if (cit == conns_.end() || cit->second.closing) {
        return fx;
    }
    auto parsed = api::parse_client_request(frame);
    if (!parsed) {
        const api::ParseError& e = parsed.error();
        send_error(conn, e.id, e.code, e.message, fx);
        return fx;
    }
    api::ClientRequest& req = *parsed;
    Conn& c = cit->second;
    Session* s = c.session.empty() ? nullptr : find_session(c.session);
    if (s == nullptr) {
        if (auto* hello = std::get_if<api::Hello>(&req.body)) {
            if (c.auth_pending) {
                return fx;
            }
            // A resume of a session another shard holds: that shard answers it.
            const auto parts =
                hello->resume_id.empty() ? std::nullopt : ids_.read_resume(hello->resume_id);
            const auto owner = parts && parts->node != ids_.node()
                                   ? shard_nodes_.shard_of(parts->node)
                                   : std::nullopt;
            if (owner) {
                fx.handoffs.push_back({conn, *owner, std::move(c.who), std::string(frame)});
                conns_.erase(cit);
                return fx;
            }
            handle_hello(conn, req.id, std::move(*hello), now_us, fx);
        } else if (std::holds_alternative<api::Bye>(req.body)) {
            std::string out;
            api::write_bye(out, req.id);
            fx.send(conn, std::move(out));
            fx.close(conn);
            c.closing = true;
        } else {
            send_error(conn, req.id, api::ErrorCode::HelloExpected, "Expected hello request.", fx);
        }
        return fx;
    }
    std::visit(
        Overloaded{
            [](api::Hello&) {},  // a second hello on the same socket is ignored
            [&](api::Bye&) {
                std::string out;
                api::write_bye(out, req.id);
                fx.send(conn, std::move(out));
                fx.close(conn);
                c.closing = true;
                c.session.clear();
                destroy_session(s->public_id, true, now_us, fx);
            },
            [&](api::RoomRequest& r) { handle_room(*s, req.id, r, now_us, fx); },
            [&](api::MessageRequest& m) { handle_message(*s, req.id, m, now_us, fx); },
            [&](api::InternalRequest& in) {
                handle_internal(*s, req.id, std::move(in), now_us, fx);
            },
            [&](api::TransientRequest& t) { handle_transient(*s, req.id, t, now_us, fx); },
            [](api::UnknownRequest&) {},  // as the reference server: unknown types are ignored
        },
        req.body);
    return fx;
}

Effects Hub::on_binary(ConnId conn, uint64_t /*now_us*/) {
    Effects fx;
    if (conns_.contains(conn)) {
        send_error(conn, {}, api::ErrorCode::InvalidFormat, "Binary frames are not supported.", fx);
    }
    return fx;
}

Effects Hub::on_close(ConnId conn, uint64_t now_us) {
    Effects fx;
    const auto it = conns_.find(conn);
    if (it == conns_.end()) {
        return fx;
    }
    const std::string public_id = std::move(it->second.session);
    conns_.erase(it);
    Session* s = public_id.empty() ? nullptr : find_session(public_id);
    if (s != nullptr && s->conn == conn) {
        // Kept for the resume window; frames for it queue meanwhile.
        s->conn = 0;
        s->detached_at_us = now_us;
        timers_.push(Timer{now_us + kResumeWindowUs, TimerKind::Resume, 0, public_id, {}});
        save_record(*s, fx);  // a resume elsewhere replays what this node queues from here
        if (clustered_ && !s->resume_id.empty()) {
            cluster_publish(cluster::session_subject(public_id),
                            cluster::SessionDetached{public_id}, fx);
        }
    }
    return fx;
}

Effects Hub::on_backend_reply(CallId call, BackendReply reply, uint64_t now_us) {
    Effects fx;
    const auto it = calls_.find(call);
    if (it == calls_.end()) {
        return fx;
    }
    PendingCall pending = std::move(it->second);
    calls_.erase(it);
    std::visit(Overloaded{
                   [&](AuthCall& a) { on_auth_reply(std::move(a), reply, now_us, fx); },
                   [&](JoinCall& j) { on_join_reply(std::move(j), reply, now_us, fx); },
                   [&](const AddSessionCall& a) { on_add_session_reply(a, reply, now_us, fx); },
                   [&](CapabilitiesCall& c) { on_capabilities_reply(c, reply, now_us, fx); },
                   [](IgnoredCall&) {},
               },
               pending);
    return fx;
}

Effects Hub::on_tick(uint64_t now_us) {
    Effects fx;
    while (auto t = timers_.pop_due(now_us)) {
        fire_timer(*t, now_us, fx);
    }
    if (clustered_ && !bus_joined_) {
        cluster_interest(cluster::backend_users_subject(), true, fx);
        cluster_interest(cluster::room_sessions_subject(), true, fx);
        bus_joined_ = true;
    }
    if (clustered_ && now_us >= mark_written_us_ + kNodeMarkEveryUs) {
        save_node_mark(now_us, fx);  // a sign of life for resumes of this node's sessions
    }
    if (mcu_) {
        // The proxies are opened on the first tick: the edge is running by then.
        apply_mcu(mcu_started_ ? mcu_->tick(now_us) : mcu_->start(now_us), fx);
        mcu_started_ = true;
    }
    return fx;
}

HubStats Hub::stats() const {
    HubStats st;
    st.sessions = sessions_.size();
    st.rooms = rooms_.size();
    st.connections = conns_.size();
    st.backend_calls_in_flight = calls_.size();
    st.hellos_rate_limited = hellos_rate_limited_;
    return st;
}

const Session* Hub::session_of_conn_for_test(ConnId conn) const {
    const auto it = conns_.find(conn);
    if (it == conns_.end() || it->second.session.empty()) {
        return nullptr;
    }
    return session_for_test(it->second.session);
}

const Session* Hub::session_for_test(std::string_view public_id) const {
    const auto it = sessions_.find(public_id);
    return it == sessions_.end() ? nullptr : &it->second;
}

const Room* Hub::room_for_test(std::size_t backend, std::string_view room_id) const {
    const auto it = rooms_.find(room_key(backend, room_id));
    return it == rooms_.end() ? nullptr : &it->second;
}

// ---- timers
// ---------------------------------------------------------------------------------------

void Hub::fire_timer(const Timer& t, uint64_t now_us, Effects& fx) {
    switch (t.kind) {
    case TimerKind::Hello: {
        const auto it = conns_.find(t.conn);
        if (it == conns_.end() || it->second.closing || !it->second.session.empty() ||
            it->second.auth_pending || it->second.hello_deadline_us != t.at_us) {
            return;
        }
        std::string out;
        api::write_bye(out, {}, "hello_timeout");
        fx.send(t.conn, std::move(out));
        fx.close(t.conn);
        it->second.closing = true;
        return;
    }
    case TimerKind::RoomJoin: {
        Session* s = find_session(t.key);
        if (s != nullptr && !s->in_room() && s->join_deadline_us == t.at_us) {
            kick_session(s->public_id, "room_join_timeout", false, now_us, fx);
        }
        return;
    }
    case TimerKind::Resume: {
        Session* s = find_session(t.key);
        if (s != nullptr && s->conn == 0 && s->type != ClientType::Virtual &&
            s->detached_at_us + kResumeWindowUs == t.at_us) {
            destroy_session(s->public_id, true, now_us, fx);
        }
        return;
    }
    case TimerKind::Ping: {
        const auto it = rooms_.find(t.key);
        if (it != rooms_.end() && it->second.next_ping_us == t.at_us) {
            ping_room(it->second, now_us, fx);
        }
        return;
    }
    case TimerKind::Transient: {
        const auto it = rooms_.find(t.key);
        if (it == rooms_.end()) {
            return;
        }
        const auto e = it->second.transient.find(t.sub);
        if (e != it->second.transient.end() && e->second.expires_us == t.at_us) {
            remove_transient(it->second, t.sub, fx);
        }
        return;
    }
    case TimerKind::Dialout: dialout_timed_out(t.key, t.at_us, fx); return;
    case TimerKind::UnshareScreen:
        if (mcu_ && find_session(t.key) != nullptr) {
            apply_mcu(mcu_->unpublish(t.key, "screen", now_us), fx);
        }
        return;
    }
}

// ---- delivery
// -------------------------------------------------------------------------------------

Hub::Delivery Hub::delivery_for(const Session& s) const {
    if (s.type == ClientType::Virtual) {
        return Delivery::Skip;  // its owner hears about it through the paths that address it
    }
    if (s.catching_up) {
        return Delivery::Hold;  // merged after the replay
    }
    if (current_seq_ != 0 && current_seq_ <= s.replayed_seq) {
        return Delivery::Skip;  // the replay of a takeover delivered this one already
    }
    return s.conn != 0 ? Delivery::Send : Delivery::Queue;
}

void Hub::send_to_session(Session& s, std::string frame, Effects& fx) {
    switch (delivery_for(s)) {
    case Delivery::Skip: return;
    case Delivery::Hold: s.held.emplace_back(current_seq_, std::move(frame)); return;
    case Delivery::Send: fx.send(s.conn, std::move(frame)); return;
    case Delivery::Queue: s.queue.push(std::move(frame)); return;
    }
}

void Hub::send_to_session(Session& s, const std::shared_ptr<const std::string>& frame,
                          Effects& fx) {
    switch (delivery_for(s)) {
    case Delivery::Skip: return;
    case Delivery::Send: fx.send(s.conn, frame); return;
    case Delivery::Hold:
    case Delivery::Queue: send_to_session(s, std::string(*frame), fx); return;  // kept: a copy
    }
}

void Hub::deliver_to_room(const Room& room, std::string_view frame, std::string_view except,
                          bool call_only, Effects& fx, std::string_view permission,
                          Holders holders) {
    std::shared_ptr<const std::string> shared;  // one copy for every member it reaches
    for (const std::string& id : room.members) {
        if (id == except) {
            continue;
        }
        Session* s = find_session(id);
        if (s == nullptr || (call_only && (s->in_call & kInCall) == 0) ||
            (!permission.empty() && s->may(permission) != (holders == Holders::Only))) {
            continue;
        }
        if (!shared) {
            shared = std::make_shared<const std::string>(frame);
        }
        send_to_session(*s, shared, fx);
    }
    if (clustered_ && reach_ == Reach::Cluster) {
        publish_room_frame(room, frame, except, call_only, permission, holders, fx);
    }
}

void Hub::send_error(ConnId conn, std::string_view id, api::ErrorCode code,
                     std::string_view message, Effects& fx, std::string_view details) {
    std::string out;
    api::write_error(out, id, code, message, details);
    fx.send(conn, std::move(out));
}

CallId Hub::backend_call(std::size_t backend, std::string body, PendingCall pending, Effects& fx) {
    const CallId id = next_call_++;
    BackendCall bc;
    bc.call = id;
    bc.backend = backend;
    bc.method = HttpMethod::Post;
    bc.url = backend_signaling_url(cfg_.backends[backend].entry.url, api_version(backend));
    bc.body = std::move(body);
    fx.call(std::move(bc));
    calls_.emplace(id, std::move(pending));
    return id;
}

// ---- session life
// ---------------------------------------------------------------------------------

Session* Hub::find_session(std::string_view public_id) {
    const auto it = sessions_.find(public_id);
    return it == sessions_.end() ? nullptr : &it->second;
}

Room* Hub::find_room(std::size_t backend, std::string_view room_id) {
    const auto it = rooms_.find(room_key(backend, room_id));
    return it == rooms_.end() ? nullptr : &it->second;
}

void Hub::index_user(const Session& s, bool add, Effects& fx) {
    if (s.user_id.empty()) {
        return;
    }
    const std::string k = user_key(s.backend, s.user_id);
    auto& list = by_user_[k];
    if (add) {
        if (list.empty()) {
            cluster_interest(cluster::user_subject(cfg_.backends[s.backend].entry.id, s.user_id),
                             true, fx);
        }
        list.push_back(s.public_id);
        return;
    }
    list.erase(std::remove(list.begin(), list.end(), s.public_id), list.end());
    if (list.empty()) {
        by_user_.erase(k);
        cluster_interest(cluster::user_subject(cfg_.backends[s.backend].entry.id, s.user_id), false,
                         fx);
    }
}

Session& Hub::create_session(ClientType type, std::size_t backend, uint64_t now_us, Effects& fx) {
    SessionIdPair pair = ids_.issue(next_serial_++, now_us, random_());
    Session s{.queue = FrameQueue{cfg_.send_queue_bytes}};
    s.public_id = std::move(pair.public_id);
    if (type != ClientType::Virtual) {
        s.resume_id = std::move(pair.resume_id);
        by_resume_[s.resume_id] = s.public_id;
    }
    s.type = type;
    s.backend = backend;
    s.created_us = now_us;
    if (type == ClientType::Client) {
        ++clients_per_backend_[backend];
    }
    const std::string key = s.public_id;
    cluster_interest(cluster::session_subject(key), true, fx);
    return sessions_.emplace(key, std::move(s)).first->second;
}

void Hub::destroy_session(const std::string& id, bool tell_backend, uint64_t now_us, Effects& fx) {
    // A copy on purpose: `id` may live in the session erased below.
    const std::string public_id = id;  // NOLINT(performance-unnecessary-copy-initialization)
    Session* s = find_session(public_id);
    if (s == nullptr) {
        return;
    }
    if (s->type == ClientType::Internal) {
        std::vector<std::string> owned;
        for (const auto& [vid, v] : sessions_) {
            if (v.type == ClientType::Virtual && v.owner == public_id) {
                owned.push_back(vid);
            }
        }
        for (const std::string& vid : owned) {
            if (Session* v = find_session(vid)) {
                remove_virtual(*v, now_us, fx);
            }
        }
        s = find_session(public_id);
    }
    if (s->in_room()) {
        leave_room(*s, tell_backend, now_us, fx);
    }
    release_media(*s, now_us, fx);
    index_user(*s, false, fx);
    if (s->type == ClientType::Client) {
        --clients_per_backend_[s->backend];
    }
    if (!s->resume_id.empty()) {
        erase_record(*s, fx);
        by_resume_.erase(s->resume_id);
    }
    if (s->conn != 0) {
        const auto c = conns_.find(s->conn);
        if (c != conns_.end() && c->second.session == public_id) {
            c->second.session.clear();
        }
    }
    sessions_.erase(public_id);
    cluster_interest(cluster::session_subject(public_id), false, fx);
}

void Hub::kick_session(const std::string& public_id, std::string_view reason, bool tell_backend,
                       uint64_t now_us, Effects& fx) {
    Session* s = find_session(public_id);
    if (s == nullptr) {
        return;
    }
    if (s->conn != 0) {
        std::string out;
        api::write_bye(out, {}, reason);
        fx.send(s->conn, std::move(out));
        fx.close(s->conn);
        const auto c = conns_.find(s->conn);
        if (c != conns_.end()) {
            c->second.closing = true;
        }
    }
    destroy_session(public_id, tell_backend, now_us, fx);
}

}  // namespace tern::sig
