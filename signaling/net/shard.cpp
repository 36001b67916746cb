#include "signaling/net/shard.hpp"

#include "signaling/net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>

#include <algorithm>
#include <bit>
#include <sys/socket.h>
#include <utility>

namespace tern::sig::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::chrono::milliseconds kAcceptRetry{100};
constexpr uint64_t kPruneEveryTicks = 240;  // about a minute at 250 ms

BackendClientOptions backend_options(const EdgeContext& ctx) {
    BackendClientOptions o;
    o.timeout = std::chrono::seconds(ctx.config.backend_timeout_s);
    o.connections_per_host = ctx.config.connections_per_host;
    o.verify_tls = !ctx.config.backend_skip_verify;
    o.user_agent = ctx.server_header;
    o.features = ctx.features_header;
    return o;
}

}  // namespace

/// One listening socket of one shard; the kernel spreads connections over the shards' sockets
/// bound to the same address (SO_REUSEPORT).
class Shard::Acceptor {
public:
    Acceptor(Shard& shard, bool tls)
        : shard_(shard), tls_(tls), acceptor_(shard.io_), retry_(shard.io_) {}

    Result<tcp::endpoint, std::string> open(const tcp::endpoint& at) {
        boost::system::error_code ec;
        acceptor_.open(at.protocol(), ec);
        if (!ec) {
            acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor_.set_option(reuse_port(true), ec);
        }
        if (!ec) {
            acceptor_.bind(at, ec);
        }
        if (!ec) {
            acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        }
        tcp::endpoint local;
        if (!ec) {
            local = acceptor_.local_endpoint(ec);
        }
        if (ec) {
            return unexpected(at.address().to_string() + ":" + std::to_string(at.port()) + ": " +
                              ec.message());
        }
        accept();
        return local;
    }

    void close() {
        closed_ = true;
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        retry_.cancel();
    }

private:
    void accept() {
        acceptor_.async_accept(shard_.io_,
                               [this](boost::system::error_code ec, tcp::socket socket) {
                                   on_accept(ec, std::move(socket));
                               });
    }

    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (closed_) {
            return;
        }
        if (ec) {
            // Out of descriptors and the like: try again shortly rather than spin.
            shard_.log_.warn("accept failed", {{"shard", shard_.index_}, {"err", ec.message()}});
            retry_.expires_after(kAcceptRetry);
            retry_.async_wait([this](boost::system::error_code e) {
                if (!e && !closed_) {
                    accept();
                }
            });
            return;
        }
        EdgeCounters::add(shard_.counters().connections_accepted);
        // [limits] connections_per_ip for a peer that connects directly: over the limit the
        // connection is closed before a byte is read. A trusted proxy's connections carry many
        // clients; they are counted by client address at the upgrade (http_session.hpp).
        std::optional<ConnectionGate::Slot> gated;
        const std::string peer = peer_address(socket);
        if (!shard_.ctx_.trusted_proxies.contains(peer)) {
            ConnectionGate::Admission admitted = shard_.ctx_.gate.admit(peer);
            if (admitted.outcome == ConnectionGate::Outcome::Refused) {
                EdgeCounters::add(shard_.counters().connections_limited);
                boost::system::error_code ignored;
                socket.close(ignored);
                accept();
                return;
            }
            if (admitted.outcome == ConnectionGate::Outcome::Untracked &&
                shard_.ctx_.config.limits.connections_per_ip != 0) {
                EdgeCounters::add(shard_.counters().connections_untracked);
            }
            gated = std::move(admitted.slot);
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (!tls_) {
            serve_http(shard_, std::move(socket), std::move(gated));
        } else if (auto ctx = shard_.tls_.get()) {
            serve_https(shard_, std::move(socket), std::move(ctx), std::move(gated));
        }
        accept();
    }

    Shard& shard_;  // owns this
    bool tls_;
    tcp::acceptor acceptor_;
    asio::steady_timer retry_;
    bool closed_ = false;
};

/// The adopting shard's side of a connection whose socket another shard holds (a hand-off):
/// what its hub sends or closes is posted to that shard. Stopping is the owner's business: it
/// closes its sockets itself.
class Shard::RelayLink final : public WsLink {
public:
    RelayLink(Shard& owner, ConnId conn) : owner_(owner), conn_(conn) {}

    void send(std::string text) override {
        asio::post(owner_.io_, [o = &owner_, c = conn_, t = std::move(text)]() mutable {
            o->send_to(c, std::move(t), nullptr);
        });
    }
    void send_shared(std::shared_ptr<const std::string> text) override {
        asio::post(owner_.io_, [o = &owner_, c = conn_, t = std::move(text)]() mutable {
            o->send_to(c, {}, std::move(t));
        });
    }
    void close() override {
        asio::post(owner_.io_, [o = &owner_, c = conn_] { o->close_conn(c); });
    }
    void stop() override {}

private:
    Shard& owner_;
    ConnId conn_;
};

Shard::Shard(unsigned index, std::unique_ptr<Handler> handler, EdgeContext& ctx, TlsHolder& tls,
             const Logger& log)
    : index_(index), handler_(std::move(handler)), ctx_(ctx), tls_(tls), log_(log),
      backend_(io_, backend_options(ctx)),
      proxies_(io_, ProxyLinkOptions{.verify_tls = !ctx.config.mcu.skip_verify},
               ProxyLinkEvents{
                   .opened =
                       [this](std::size_t p) {
                           proxy_up_[p] = true;
                           log_.info("SFU proxy link open, hello sent",
                                     {{"shard", index_}, {"url", proxies_.url(p)}});
                           guarded("on_proxy_open",
                                   [&] { return handler_->on_proxy_open(p, unix_now_us()); });
                       },
                   .frame =
                       [this](std::size_t p, std::string_view frame) {
                           guarded("on_proxy_frame", [&] {
                               return handler_->on_proxy_frame(p, frame, unix_now_us());
                           });
                       },
                   .closed =
                       [this](std::size_t p) {
                           auto up = proxy_up_.find(p);
                           if (up == proxy_up_.end() || up->second) {
                               log_.warn(up == proxy_up_.end()
                                             ? "SFU proxy unreachable; retrying"
                                             : "SFU proxy connection lost; reconnecting",
                                         {{"shard", index_}, {"url", proxies_.url(p)}});
                               proxy_up_[p] = false;
                           }
                           guarded("on_proxy_closed",
                                   [&] { return handler_->on_proxy_closed(p, unix_now_us()); });
                       },
               }),
      tick_timer_(io_) {
    if (ctx.options.rest_backend) {
        // Opened here, on the thread that starts the server, one shard after the other (so the
        // schema's steps run once); used only on this shard's thread from then on.
        rest_ = std::make_unique<RestEdge>(
            io_, ctx.options.rest_backend(index),
            [this](backend::RoomId room, int64_t newest) {
                for (Shard* other : ctx_.shards) {
                    if (other != this) {
                        boost::asio::post(other->io(), [other, room, newest] {
                            if (other->rest_) {
                                other->rest_->notify(room, newest);
                            }
                        });
                    }
                }
            },
            log_);
    }
}

Shard::~Shard() {
    if (nats_) {
        nats_->close();  // before io_: nothing more is posted to it
    }
}

Result<bool, std::string> Shard::connect_cluster() {
    std::vector<std::string> urls;
    for (const std::string& u : ctx_.config.nats_urls) {
        if (u != "nats://loopback") {
            urls.push_back(u);
        }
    }
    if (urls.empty()) {
        return true;  // a node alone
    }
    nats_ = std::make_unique<cluster::NatsLink>(
        io_, log_,
        [this](std::string_view subject, std::string_view payload, uint64_t seq) {
            guarded("on_cluster_message", [&] {
                return handler_->on_cluster_message(subject, payload, seq, unix_now_us());
            });
        },
        [this](uint64_t conn, const cluster::LoadedSession& loaded) {
            guarded("on_session_loaded",
                    [&] { return handler_->on_session_loaded(conn, loaded, unix_now_us()); });
        },
        [this](const std::string& session, std::vector<cluster::StreamMessage> messages) {
            guarded("on_session_replay", [&] {
                return handler_->on_session_replay(session, std::move(messages), unix_now_us());
            });
        });
    auto r = nats_->connect(urls, "tern-signaling node " + std::to_string(ctx_.config.node_id) +
                                      " shard " + std::to_string(index_));
    if (!r) {
        nats_.reset();
        return r;
    }
    log_.info("cluster bus connected", {{"shard", index_}, {"node", ctx_.config.node_id}});
    return true;
}

Result<tcp::endpoint, std::string> Shard::listen(const tcp::endpoint& at, bool tls) {
    auto a = std::make_unique<Acceptor>(*this, tls);
    auto local = a->open(at);
    if (local) {
        acceptors_.push_back(std::move(a));
    }
    return local;
}

void Shard::run() {
    // The first tick before anything accepted is served: the hub subscribes what every node of
    // a cluster wants there.
    asio::post(io_, [this] { tick(); });
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            EdgeCounters::add(counters().handler_exceptions);
            log_.error("shard loop: exception", {{"shard", index_}, {"err", e.what()}});
        }
    }
}

void Shard::begin_stop() {
    stopping_ = true;
    tick_timer_.cancel();
    for (auto& a : acceptors_) {
        a->close();
    }
    for (auto& [id, weak] : conns_) {
        if (auto link = weak.lock()) {
            link->stop();
        }
    }
    for (auto& [token, weak] : http_) {
        if (auto s = weak.lock()) {
            s->stop();
        }
    }
    if (rest_) {
        rest_->stop();
    }
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& [id, w] : waiters) {
        w.deadline->cancel();
        w.done(HttpAnswer{id, 503, "{}"});
    }
    backend_.close_idle();
    proxies_.close_all();
    if (nats_) {
        nats_->close();
    }
}

template <class Fn>
void Shard::guarded(const char* what, Fn&& fn) {
    Effects fx;
    try {
        fx = fn();
    } catch (const std::exception& e) {
        // One event lost, the shard goes on (the exception boundary of style guide §4).
        EdgeCounters::add(counters().handler_exceptions);
        log_.error("handler threw", {{"call", what}, {"shard", index_}, {"err", e.what()}});
        return;
    }
    apply(std::move(fx));
}

std::string Shard::not_ready() const {
    if (stopping_) {
        return "shutting down";
    }
    if (ctx_.config.mcu.type == McuType::Proxy && !ctx_.config.mcu.urls.empty() &&
        std::none_of(proxy_up_.begin(), proxy_up_.end(), [](const auto& p) { return p.second; })) {
        return "no SFU proxy connected";
    }
    return {};
}

ConnId Shard::add_conn(std::weak_ptr<WsLink> link) {
    const ConnId id = ctx_.next_conn.fetch_add(1, std::memory_order_relaxed) + 1;
    conns_.emplace(id, std::move(link));
    return id;
}

void Shard::opened(ConnId conn, const ClientInfo& who) {
    guarded("on_open", [&] { return handler_->on_open(conn, who, unix_now_us()); });
}

void Shard::text(ConnId conn, std::string_view frame) {
    if (!relayed_.empty()) {
        if (auto it = relayed_.find(conn); it != relayed_.end()) {
            asio::post(it->second->io_, [to = it->second, conn, f = std::string(frame)] {
                to->relayed_text(conn, f);
            });
            return;
        }
    }
    guarded("on_text", [&] { return handler_->on_text(conn, frame, unix_now_us()); });
}

void Shard::binary(ConnId conn) {
    if (!relayed_.empty()) {
        if (auto it = relayed_.find(conn); it != relayed_.end()) {
            asio::post(it->second->io_, [to = it->second, conn] { to->relayed_binary(conn); });
            return;
        }
    }
    guarded("on_binary", [&] { return handler_->on_binary(conn, unix_now_us()); });
}

void Shard::closed(ConnId conn) {
    conns_.erase(conn);
    if (!relayed_.empty()) {
        if (auto it = relayed_.find(conn); it != relayed_.end()) {
            asio::post(it->second->io_, [to = it->second, conn] { to->relayed_closed(conn); });
            relayed_.erase(it);
            return;
        }
    }
    guarded("on_close", [&] { return handler_->on_close(conn, unix_now_us()); });
}

// ---- the bus between shards, and handed-over connections ----------------------------------------

void Shard::publish_local(std::vector<cluster::Publish>& publishes) {
    const uint64_t self = uint64_t{1} << index_;
    outbox_.resize(ctx_.shard_count);
    for (cluster::Publish& p : publishes) {
        const uint64_t to = ctx_.interest.shards_for(p.subject) & ~self;
        if (to == 0) {
            continue;
        }
        // The event itself is shared; the highest shard takes the subject too.
        const auto last = static_cast<unsigned>(63 - std::countl_zero(to));
        for (uint64_t rest = to & ~(uint64_t{1} << last); rest != 0; rest &= rest - 1) {
            outbox_[static_cast<unsigned>(std::countr_zero(rest))].push_back(p);
        }
        outbox_[last].push_back(std::move(p));
    }
    for (unsigned k = 0; k < outbox_.size(); ++k) {
        if (outbox_[k].empty()) {
            continue;
        }
        EdgeCounters::add(counters().bus_messages_out, outbox_[k].size());
        Shard* dest = ctx_.shards[k];
        asio::post(dest->io_,
                   [dest, batch = std::exchange(outbox_[k], {})] { dest->on_bus_batch(batch); });
    }
}

void Shard::on_bus_batch(const BusBatch& batch) {
    for (const cluster::Publish& p : batch) {
        guarded("on_cluster_event",
                [&] { return handler_->on_cluster_event(p.subject, *p.event, unix_now_us()); });
    }
}

void Shard::hand_off(HandOff&& h) {
    if (h.shard >= ctx_.shards.size() || h.shard == index_ || !conns_.contains(h.conn)) {
        return;  // gone meanwhile
    }
    Shard* to = ctx_.shards[h.shard];
    relayed_.emplace(h.conn, to);
    EdgeCounters::add(counters().handoffs);
    asio::post(to->io_,
               [to, from = this, h = std::move(h)]() mutable { to->adopt(from, std::move(h)); });
}

void Shard::adopt(Shard* from, HandOff&& h) {
    auto link = std::make_shared<RelayLink>(*from, h.conn);
    conns_[h.conn] = link;
    adopted_[h.conn] = std::move(link);
    guarded("on_handoff", [&] { return handler_->on_handoff(h, unix_now_us()); });
}

void Shard::relayed_text(ConnId conn, const std::string& frame) {
    if (adopted_.contains(conn)) {
        guarded("on_text", [&] { return handler_->on_text(conn, frame, unix_now_us()); });
    }
}

void Shard::relayed_binary(ConnId conn) {
    if (adopted_.contains(conn)) {
        guarded("on_binary", [&] { return handler_->on_binary(conn, unix_now_us()); });
    }
}

void Shard::relayed_closed(ConnId conn) {
    if (adopted_.erase(conn) != 0) {
        conns_.erase(conn);
        guarded("on_close", [&] { return handler_->on_close(conn, unix_now_us()); });
    }
}

void Shard::send_to(ConnId conn, std::string text, std::shared_ptr<const std::string> shared) {
    auto it = conns_.find(conn);
    auto link = it == conns_.end() ? nullptr : it->second.lock();
    if (!link) {
        EdgeCounters::add(counters().frames_dropped);
    } else if (shared) {
        link->send_shared(std::move(shared));
    } else {
        link->send(std::move(text));
    }
}

void Shard::close_conn(ConnId conn) {
    auto it = conns_.find(conn);
    if (auto link = it == conns_.end() ? nullptr : it->second.lock()) {
        link->close();
    }
}

uint64_t Shard::track(std::weak_ptr<Stoppable> s) {
    const uint64_t token = ++next_http_token_;
    http_.emplace(token, std::move(s));
    return token;
}

void Shard::untrack(uint64_t token) {
    http_.erase(token);
}

void Shard::forward_backend_post(BackendPostRequest req, AnswerFn done) {
    const HttpId id = ctx_.next_http.fetch_add(1, std::memory_order_relaxed) + 1;
    if (stopping_) {
        done(HttpAnswer{id, 503, "{}"});
        return;
    }
    req.http = id;
    Waiter w{std::move(done), std::make_unique<asio::steady_timer>(io_)};
    w.deadline->expires_after(ctx_.options.backend_post_timeout);
    w.deadline->async_wait([this, id](boost::system::error_code ec) {
        if (ec || !waiters_.contains(id)) {
            return;
        }
        EdgeCounters::add(counters().backend_posts_timeout);
        log_.warn("backend request unanswered, 504", {{"http", id}});
        finish_waiter(id, HttpAnswer{id, 504, "{}"});
    });
    waiters_.emplace(id, std::move(w));
    EdgeCounters::add(counters().backend_posts);
    guarded("on_backend_post", [&] { return handler_->on_backend_post(req, unix_now_us()); });
}

void Shard::finish_waiter(HttpId id, const HttpAnswer& answer) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) {
        EdgeCounters::add(counters().answers_unclaimed);
        return;
    }
    AnswerFn done = std::move(it->second.done);
    it->second.deadline->cancel();
    waiters_.erase(it);
    done(answer);
}

HubStats Shard::handler_stats() const {
    return handler_->stats();
}

void Shard::publish_stats() {
    ctx_.hub[index_].publish(handler_->stats());
}

void Shard::apply(Effects&& fx) {
    // The session store first, before any frame goes out: a node mark must be on its way to the
    // NATS server before the client can have what it covers (docs/signaling.md, "Resume on
    // another node"). Only the last write of each key counts.
    if (nats_) {
        for (std::size_t i = 0; i < fx.cluster_store.size(); ++i) {
            const std::string& key = fx.cluster_store[i].key;
            const bool superseded =
                std::any_of(fx.cluster_store.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                            fx.cluster_store.end(),
                            [&](const cluster::StoreOp& later) { return later.key == key; });
            if (!superseded) {
                nats_->store(fx.cluster_store[i]);
            }
        }
    }
    for (SendFrame& s : fx.sends) {
        send_to(s.conn, std::move(s.text), std::move(s.shared));
    }
    for (const CloseConn& c : fx.closes) {
        close_conn(c.conn);
    }
    for (const HttpAnswer& a : fx.answers) {
        finish_waiter(a.http, a);
    }
    for (BackendCall& c : fx.calls) {
        start_call(std::move(c));
    }
    // The proxies': frames before closes (a bye goes out first), opens last (a reconnect).
    for (mcu::ProxyFrame& f : fx.proxy_frames) {
        proxies_.send(f.proxy, std::move(f.text));
    }
    for (const mcu::CloseProxy& c : fx.proxy_closes) {
        proxies_.close(c.proxy);
    }
    if (!stopping_) {
        for (const mcu::OpenProxy& o : fx.proxy_opens) {
            proxies_.open(o.proxy, o.url);
        }
    }
    // Connections for other shards, after the frames and closes for them (none: the hub
    // forgets a connection it hands over).
    for (HandOff& h : fx.handoffs) {
        hand_off(std::move(h));
    }
    // The cluster bus: interest first, so that answers to what is published find it.
    if (local_bus()) {
        for (const cluster::Interest& i : fx.cluster_interest) {
            ctx_.interest.set(index_, i.subject, i.on);
        }
        publish_local(fx.cluster_publishes);
        // Without NATS no shard keeps session records: a resume this process's shards do not
        // hold (handed over above when one does) finds nothing.
        for (const cluster::LoadSession& l : fx.cluster_loads) {
            asio::post(io_, [this, conn = l.conn] {
                guarded("on_session_loaded",
                        [&] { return handler_->on_session_loaded(conn, {}, unix_now_us()); });
            });
        }
    }
    if (nats_) {
        for (const cluster::Interest& i : fx.cluster_interest) {
            nats_->apply(i);
        }
        for (const cluster::Publish& p : fx.cluster_publishes) {
            nats_->publish(p);
        }
        for (const cluster::LoadSession& l : fx.cluster_loads) {
            nats_->load(l);
        }
        for (cluster::ReplayRequest& r : fx.cluster_replays) {
            nats_->replay(std::move(r));
        }
    }
}

void Shard::start_call(BackendCall call) {
    const auto& backends = ctx_.config.backends;
    const std::string_view secret = call.backend < backends.size()
                                        ? std::string_view(backends[call.backend].entry.secret)
                                        : std::string_view(ctx_.config.common_secret);
    const std::string if_none_match = std::move(call.if_none_match);
    backend_.execute(
        call.method, call.url, std::move(call.body), secret,
        [this, id = call.call](BackendReply reply, CallOutcome outcome) {
            auto& c = counters();
            switch (outcome) {
            case CallOutcome::Ok: EdgeCounters::add(c.backend_calls_ok); break;
            case CallOutcome::HttpError: EdgeCounters::add(c.backend_calls_http_error); break;
            case CallOutcome::TransportError:
                EdgeCounters::add(c.backend_calls_transport_error);
                log_.warn("backend call failed", {{"call", id}});
                break;
            case CallOutcome::Timeout:
                EdgeCounters::add(c.backend_calls_timeout);
                log_.warn("backend call timed out", {{"call", id}});
                break;
            }
            guarded("on_backend_reply", [&] {
                return handler_->on_backend_reply(id, std::move(reply), unix_now_us());
            });
        },
        if_none_match);
}

void Shard::tick() {
    if (stopping_) {
        return;
    }
    guarded("on_tick", [&] { return handler_->on_tick(unix_now_us()); });
    publish_stats();
    if (index_ == 0 && ++ticks_ % kPruneEveryTicks == 0) {
        ctx_.limiter.prune(SharedBruteForce::Clock::now());
    }
    tick_timer_.expires_after(ctx_.options.tick);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            tick();
        }
    });
}

}  // namespace tern::sig::net
