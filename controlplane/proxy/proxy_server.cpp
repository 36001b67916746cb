#include "controlplane/proxy/proxy_server.hpp"

#include "common/overloaded.hpp"
#include "controlplane/proxy/proxy_connection.hpp"
#include "controlplane/proxy/proxy_requests.hpp"

#include <openssl/rand.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace tern::cp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr uint64_t kLoadIntervalMs = 1000;

std::string session_id() {
    std::array<unsigned char, 24> b{};
    RAND_bytes(b.data(), b.size());
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// ---- the server ------------------------------------------------------------------------------

ProxyServer::ProxyServer(asio::io_context& io, const Config& config, const Logger& log,
                         MediaSessions& media)
    : io_(io), cfg_(config), log_(log), media_(media) {}

ProxyServer::~ProxyServer() {
    for (auto& [id, s] : sessions_) {
        if (auto c = s.conn.lock()) {
            c->detach_server();
        }
    }
}

Result<bool, std::string> ProxyServer::start() {
    using R = Result<bool, std::string>;
    const auto& pc = cfg_.controlplane.proxy;
    for (const auto& t : pc.tokens) {
        auto r = keys_.add_file(t.id, t.public_key);
        if (!r) {
            return R{unexpected(r.error())};
        }
    }
    // Sessions of a previous process (its state file) wait for their signaling servers to resume.
    for (const SavedSession& saved : media_.restore()) {
        Session s;
        s.id = saved.id;
        s.issuer = saved.issuer;
        s.detached_ms = 1;  // expires session_timeout_s after the first tick unless resumed
        s.last_load = UINT64_MAX;
        if (!s.id.empty()) {
            sessions_[s.id] = std::move(s);
        }
    }
    if (keys_.size() == 0) {
        log_.warn("no proxy tokens configured: every hello will be refused (ternctl proxy token "
                  "makes a key pair)");
    }
    if (!pc.tls_listen.empty()) {
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        tls_->use_certificate_chain_file(pc.tls_certificate, ec);
        if (!ec) {
            tls_->use_private_key_file(pc.tls_private_key, asio::ssl::context::pem, ec);
        }
        if (ec) {
            return R{unexpected("proxy TLS certificate or key (" + pc.tls_certificate + ", " +
                                pc.tls_private_key + "): " + ec.message())};
        }
    }
    for (const auto& [where, tls] : {std::pair{pc.listen, false}, std::pair{pc.tls_listen, true}}) {
        if (where.empty()) {
            continue;
        }
        auto r = listen(where, tls);
        if (!r) {
            return r;
        }
    }
    return R{true};
}

Result<bool, std::string> ProxyServer::listen(const std::string& where, bool tls) {
    using R = Result<bool, std::string>;
    const auto& pc = cfg_.controlplane.proxy;
    std::string host = where.substr(0, where.rfind(':'));
    const std::string port_text = where.substr(where.rfind(':') + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec) {
        return R{unexpected("proxy listen address '" + host + "' is not an IP address")};
    }
    const auto port = static_cast<uint16_t>(std::strtoul(port_text.c_str(), nullptr, 10));
    // The socket is made inside listen_netns (if set) and keeps that namespace afterwards.
    int home = -1;
    if (!pc.listen_netns.empty()) {
        home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        const int there = open(pc.listen_netns.c_str(), O_RDONLY | O_CLOEXEC);
        const bool entered = home >= 0 && there >= 0 && setns(there, CLONE_NEWNET) == 0;
        const int err = errno;
        if (there >= 0) {
            close(there);
        }
        if (!entered) {
            if (home >= 0) {
                close(home);
            }
            return R{unexpected("cannot enter network namespace " + pc.listen_netns +
                                " for the proxy listener: " + std::strerror(err))};
        }
    }
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint ep{addr, port};
    acceptor->open(ep.protocol(), ec);
    if (!ec) {
        acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        acceptor->bind(ep, ec);
    }
    if (!ec) {
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (home >= 0) {
        const bool back = setns(home, CLONE_NEWNET) == 0;
        close(home);
        if (!back) {
            return R{
                unexpected(std::string("cannot return to the control plane's network namespace: ") +
                           std::strerror(errno))};
        }
    }
    if (ec) {
        return R{
            unexpected("cannot listen on " + where + " for the proxy protocol: " + ec.message())};
    }
    log_.info("proxy protocol listening",
              {{"url", std::string(tls ? "wss://" : "ws://") + where + "/proxy"},
               {"netns", pc.listen_netns.empty() ? "own" : pc.listen_netns},
               {"tokens", keys_.size()}});
    acceptors_.push_back(std::move(acceptor));
    accept(*acceptors_.back(), tls);
    return R{true};
}

void ProxyServer::accept(tcp::acceptor& acceptor, bool tls) {
    acceptor.async_accept([this, &acceptor, tls](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            ++n_.connections;
            socket.set_option(tcp::no_delay(true), ec);
            if (tls) {
                serve_tls(*this, std::move(socket), *tls_);
            } else {
                serve_plain(*this, std::move(socket));
            }
        }
        accept(acceptor, tls);
    });
}

json ProxyServer::error(const json& request, const std::string& code, const std::string& message) {
    json e{{"type", "error"}, {"error", {{"code", code}, {"message", message}}}};
    if (request.is_object() && request.contains("id")) {
        e["id"] = request["id"];
    }
    return e;
}

void ProxyServer::on_message(const std::shared_ptr<Connection>& conn, const std::string& text) {
    ++n_.messages;
    const json msg = json::parse(text, nullptr, false);
    if (!msg.is_object() || !msg.contains("type") || !msg["type"].is_string()) {
        ++n_.errors;
        conn->send(error(msg, "bad_request", "not a JSON object with a type"));
        return;
    }
    const std::string type = msg["type"].get<std::string>();
    if (type == "hello") {
        hello(conn, msg);
        return;
    }
    auto it = sessions_.find(conn->session);
    if (conn->session.empty() || it == sessions_.end()) {
        ++n_.errors;
        conn->send(error(msg, "hello_expected", "say hello first"));
        return;
    }
    Session& s = it->second;
    try {
        if (type == "command" && msg.contains("command") && msg["command"].is_object()) {
            answer(s, *conn, msg, "command", command(s, msg["command"]));
        } else if (type == "payload" && msg.contains("payload") && msg["payload"].is_object()) {
            answer(s, *conn, msg, "payload", payload(msg["payload"]));
        } else if (type == "bye") {
            log_.info("proxy session closed by its client", {{"session", s.id}});
            media_.remove_owned_by(s.id);
            sessions_.erase(it);
            conn->session.clear();
            conn->close();
            persist();
        } else {
            ++n_.errors;
            conn->send(error(msg, "bad_request", "unknown message type '" + type + "'"));
        }
    } catch (const json::exception& e) {
        ++n_.errors;
        conn->send(error(msg, "bad_request", std::string("malformed message: ") + e.what()));
    }
}

void ProxyServer::answer(Session& s, Connection& conn, const json& request, const char* kind,
                         const Result<Answer, ClientError>& result) {
    if (!result) {
        // The one place a refusal becomes the protocol's error message.
        conn.send(error(request, result.error().code, result.error().message));
        return;
    }
    json reply{{"type", kind}, {kind, result->body}};
    if (request.contains("id")) {
        reply["id"] = request["id"];
    }
    conn.send(reply);
    if (result->load_changed) {
        send_load(s, false);
    }
}

void ProxyServer::hello(const std::shared_ptr<Connection>& conn, const json& msg) {
    auto h = parse_hello(msg);
    if (!h) {
        conn->send(error(msg, h.error().code, h.error().message));
        return;
    }
    if (!conn->session.empty()) {
        conn->send(error(msg, "bad_request", "this connection already said hello"));
        return;
    }
    ++n_.hellos;
    std::string id;
    if (!h->resume_id.empty()) {
        id = h->resume_id;
        auto it = sessions_.find(id);
        if (it == sessions_.end()) {
            conn->send(error(msg, "no_such_session", "the session expired or never existed"));
            return;
        }
        if (auto old = it->second.conn.lock(); old && old != conn) {
            old->send(json{{"type", "bye"}, {"bye", {{"reason", "session_resumed"}}}});
            old->session.clear();
            old->close();
        }
        ++n_.resumes;
    } else {
        auto claims =
            verify_token(h->token, keys_, unix_now(), cfg_.controlplane.proxy.max_token_age_s);
        if (!claims) {
            ++n_.auth_failures;
            log_.warn("proxy hello refused",
                      {{"code", claims.error().code}, {"why", claims.error().message}});
            conn->send(error(msg, claims.error().code, claims.error().message));
            return;
        }
        id = session_id();
        sessions_[id] = Session{id, claims->issuer, {}, 0, UINT64_MAX};
        log_.info("proxy session opened", {{"session", id}, {"issuer", claims->issuer}});
        persist();
    }
    Session& s = sessions_[id];
    s.conn = conn;
    s.detached_ms = 0;
    conn->session = id;
    json server{{"version", kProxyVersion}, {"features", json::array()}};
    if (!cfg_.controlplane.proxy.country.empty()) {
        server["country"] = cfg_.controlplane.proxy.country;
    }
    json reply{{"type", "hello"},
               {"hello", {{"version", "1.0"}, {"sessionid", id}, {"server", server}}}};
    if (msg.contains("id")) {
        reply["id"] = msg["id"];
    }
    conn->send(reply);
    send_load(s, true);
}

namespace {

json created_json(const Created& c, bool publisher) {
    if (publisher) {
        return {{"id", c.id}, {"bitrate", c.bitrate}};
    }
    return {{"id", c.id}, {"sid", c.sid}, {"bitrate", c.bitrate}};
}

json streams_json(const std::vector<PublishedStream>& streams) {
    json out = json::array();
    for (const PublishedStream& s : streams) {
        out.push_back({{"mid", s.mid},
                       {"mindex", s.mindex},
                       {"type", s.audio ? "audio" : "video"},
                       {"codec", s.codec},
                       {"simulcast", s.simulcast}});
    }
    return out;
}

}  // namespace

Result<ProxyServer::Answer, ClientError> ProxyServer::command(Session& s, const json& c) {
    using R = Result<Answer, ClientError>;
    auto parsed = parse_command(c);
    if (!parsed) {
        ++n_.errors;
        return R{unexpected(parsed.error())};
    }
    return std::visit(
        Overloaded{
            [&](const CreatePublisher& p) -> R {
                auto r = media_.create_publisher(s.id, p);
                return r ? R{Answer{created_json(*r, true), true}} : R{unexpected(r.error())};
            },
            [&](const CreateSubscriber& p) -> R {
                auto r = media_.create_subscriber(s.id, p);
                return r ? R{Answer{created_json(*r, false), true}} : R{unexpected(r.error())};
            },
            [&](const DeleteClient& d) -> R {
                if (!media_.owned_by(d.client_id, s.id)) {
                    return R{unexpected(ClientError{"unknown_client", "no client " + d.client_id +
                                                                          " in this session"})};
                }
                media_.remove(d.client_id);
                return R{Answer{{{"id", d.client_id}}, true}};
            },
            [&](const GetPublisherStreams& g) -> R {
                if (!media_.exists(g.client_id)) {
                    return R{unexpected(ClientError{"unknown_client", "no client " + g.client_id})};
                }
                return R{
                    Answer{{{"id", g.client_id},
                            {"streams", streams_json(media_.publisher_streams(g.client_id))}}}};
            }},
        *parsed);
}

Result<ProxyServer::Answer, ClientError> ProxyServer::payload(const json& p) {
    using R = Result<Answer, ClientError>;
    auto header = parse_payload_header(p);
    if (!header) {
        ++n_.errors;
        return R{unexpected(header.error())};
    }
    if (!media_.exists(header->client_id)) {
        return R{unexpected(ClientError{"unknown_client", "no client " + header->client_id})};
    }
    auto parsed = parse_payload(*header, p);
    if (!parsed) {
        ++n_.errors;
        return R{unexpected(parsed.error())};
    }
    // What goes under the reply's inner "payload" key (null: nothing).
    using Inner = Result<json, ClientError>;
    auto none = [](const Result<bool, ClientError>& r) {
        return r ? Inner{json()} : Inner{unexpected(r.error())};
    };
    auto sdp = [](const Result<std::string, ClientError>& r, const char* type) {
        return r ? Inner{json{{"type", type}, {"sdp", *r}}} : Inner{unexpected(r.error())};
    };
    const Inner inner = std::visit(
        Overloaded{[&](const PublisherOffer& o) { return sdp(media_.offer(o), "answer"); },
                   [&](const RequestOffer& o) { return sdp(media_.request_offer(o), "offer"); },
                   [&](const SubscriberAnswer& a) { return none(media_.answer(a)); },
                   [&](const Candidate& c) { return none(media_.candidate(c)); },
                   [&](const EndOfCandidates&) { return Inner{json()}; },
                   [&](const SelectStream& st) { return none(media_.select_stream(st)); }},
        *parsed);
    if (!inner) {
        return R{unexpected(inner.error())};
    }
    json body{{"type", header->type}, {"clientId", header->client_id}};
    if (!inner->is_null()) {
        body["payload"] = *inner;
    }
    return R{Answer{std::move(body)}};
}

void ProxyServer::on_closed(Connection& conn) {
    auto it = sessions_.find(conn.session);
    if (it == sessions_.end()) {
        return;
    }
    if (auto c = it->second.conn.lock(); c.get() == &conn) {
        it->second.conn.reset();
        it->second.detached_ms = now_ms_ == 0 ? 1 : now_ms_;
        log_.info("proxy session disconnected; resumable",
                  {{"session", it->first}, {"for_s", cfg_.controlplane.proxy.session_timeout_s}});
    }
}

void ProxyServer::on_slow_client(Connection& conn, std::size_t queued) {
    ++n_.slow_clients;
    log_.warn("proxy client not reading: connection closed, session resumable",
              {{"session", conn.session}, {"queued_bytes", queued}});
}

void ProxyServer::persist() {
    std::vector<SavedSession> list;
    list.reserve(sessions_.size());
    for (const auto& [id, s] : sessions_) {
        list.push_back(SavedSession{id, s.issuer});
    }
    media_.set_sessions(std::move(list));
}

void ProxyServer::send_to_owner(const std::string& owner, const json& msg) {
    auto it = sessions_.find(owner);
    if (it == sessions_.end()) {
        return;
    }
    if (auto c = it->second.conn.lock()) {
        c->send(msg);
    }
}

void ProxyServer::ice_completed(const std::string& owner, const std::string& client_id) {
    send_to_owner(owner, json{{"type", "event"},
                              {"event", {{"type", "ice-completed"}, {"clientId", client_id}}}});
}

void ProxyServer::client_closed(const std::string& owner, const std::string& client_id,
                                bool publisher) {
    send_to_owner(owner, json{{"type", "event"},
                              {"event",
                               {{"type", publisher ? "publisher-closed" : "subscriber-closed"},
                                {"clientId", client_id}}}});
}

void ProxyServer::send_load(Session& s, bool force) {
    const uint64_t load = media_.load();
    if (!force && load == s.last_load) {
        return;
    }
    auto c = s.conn.lock();
    if (!c) {
        return;
    }
    s.last_load = load;
    c->send(json{{"type", "event"}, {"event", {{"type", "update-load"}, {"load", load}}}});
}

void ProxyServer::tick(uint64_t now_ms) {
    now_ms_ = now_ms;
    const uint64_t timeout_ms = uint64_t{cfg_.controlplane.proxy.session_timeout_s} * 1000;
    bool changed = false;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        Session& s = it->second;
        if (s.detached_ms == 1) {
            s.detached_ms = now_ms;  // restored from the state file: the clock starts now
        }
        if (s.detached_ms != 0 && now_ms - s.detached_ms > timeout_ms) {
            log_.info("proxy session expired", {{"session", s.id}});
            ++n_.expired;
            media_.remove_owned_by(s.id);
            it = sessions_.erase(it);
            changed = true;
            continue;
        }
        ++it;
    }
    if (changed) {
        persist();
    }
    if (now_ms - last_load_ms_ >= kLoadIntervalMs) {
        last_load_ms_ = now_ms;
        for (auto& [id, s] : sessions_) {
            send_load(s, false);
        }
    }
}

std::optional<std::string> ProxyServer::metrics_for(const boost::asio::ip::address& peer) const {
    const bool loopback =
        peer.is_loopback() ||
        (peer.is_v6() && peer.to_v6().is_v4_mapped() &&
         boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6()).is_loopback());
    if (!loopback || !metrics_) {
        return std::nullopt;
    }
    return metrics_();
}

json ProxyServer::stats() const {
    uint64_t connected = 0;
    for (const auto& [id, s] : sessions_) {
        connected += s.conn.expired() ? 0 : 1;
    }
    return {{"listen", cfg_.controlplane.proxy.listen},
            {"sessions", sessions_.size()},
            {"connected", connected},
            {"connections", n_.connections},
            {"hellos", n_.hellos},
            {"auth_failures", n_.auth_failures},
            {"resumes", n_.resumes},
            {"expired", n_.expired},
            {"messages", n_.messages},
            {"errors", n_.errors},
            {"slow_clients", n_.slow_clients}};
}

}  // namespace tern::cp
