// MediaSessions: the clients, their transports on the data plane, what the data plane reports
// about them, and the counters. Publishers, subscribers and DTLS are in sibling files.
#include "controlplane/webrtc/media_sessions.hpp"

#include "common/shm/messages.hpp"
#include "controlplane/webrtc/random_ids.hpp"

#include <algorithm>
#include <cstring>
#include <set>

namespace tern::cp {

MediaSessions::MediaSessions(const Config& config, const Logger& log,
                             std::shared_ptr<DtlsIdentity> identity, CommandSink& sink,
                             Events events)
    : cfg_(config), log_(log), identity_(std::move(identity)), sink_(sink),
      events_(std::move(events)), store_(config.controlplane.proxy.state_file, log) {
    const auto& pub = cfg_.controlplane.proxy.public_addresses;
    if (!pub.empty()) {
        for (const auto& a : pub) {
            addresses_.push_back(LocalCandidate{a, 0});
        }
    } else if (!cfg_.dataplane.ports.empty()) {
        // Transports live on port 0 (the SFU command's port index).
        const auto& p = cfg_.dataplane.ports[0];
        if (p.ipv4) {
            addresses_.push_back(LocalCandidate{p.ipv4->addr.to_string(), 0});
        }
        if (p.ipv6) {
            addresses_.push_back(LocalCandidate{p.ipv6->addr.to_string(), 0});
        }
    }
}

void MediaSessions::attach(uint64_t instance_id, uint64_t generation) {
    attached_ = true;
    generation_ = generation;
    if (instance_id == ids_.instance && !stale_.empty()) {
        for (const auto& [transport, worker] : stale_) {
            command(worker, shm::SfuRemoveCmd{generation_, transport});
        }
    }
    stale_.clear();
    if (instance_id == ids_.instance && !clients_.empty()) {
        log_.info("data plane still holds our transports: calls continue",
                  {{"clients", clients_.size()}, {"restored", restored_}});
        save();
        return;
    }
    // A new data plane knows none of our transports: what was established is gone with it.
    ids_.instance = instance_id;
    std::vector<std::string> all;
    for (const auto& [id, c] : clients_) {
        all.push_back(id);
    }
    for (const auto& id : all) {
        if (clients_.count(id) != 0) {
            drop(id, true);
        }
    }
    save();
}

void MediaSessions::detach() {
    attached_ = false;
}

// ---- what survives a restart --------------------------------------------------------------------

std::vector<SavedSession> MediaSessions::restore() {
    auto state = store_.load();
    if (!state) {
        return {};
    }
    ids_ = state->ids;
    for (auto& c : state->clients) {
        if (!c->keys_sent) {
            stale_.emplace_back(c->transport,
                                c->worker);  // its DTLS died with the previous process
            continue;
        }
        by_transport_[c->transport] = c.get();
        clients_[c->id] = std::move(c);
        ++restored_;
    }
    sessions_ = std::move(state->sessions);
    log_.info("state restored",
              {{"path", store_.path()}, {"clients", restored_}, {"sessions", sessions_.size()}});
    return sessions_;
}

void MediaSessions::set_sessions(std::vector<SavedSession> sessions) {
    sessions_ = std::move(sessions);
    save();
}

void MediaSessions::save() {
    store_.save(ids_, sessions_, clients_);
}

// ---- clients ------------------------------------------------------------------------------------

Result<MediaSessions::Client*, ClientError> MediaSessions::find(const std::string& id,
                                                                bool publisher) {
    using R = Result<Client*, ClientError>;
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return R{unexpected(ClientError{"unknown_client", "no client " + id})};
    }
    if (it->second->publisher != publisher) {
        return R{unexpected(
            ClientError{"unsupported_payload", std::string("this payload is for ") +
                                                   (publisher ? "publishers" : "subscribers")})};
    }
    return R{it->second.get()};
}

bool MediaSessions::owned_by(const std::string& client_id, const std::string& owner) const {
    auto it = clients_.find(client_id);
    return it != clients_.end() && it->second->owner == owner;
}

std::unique_ptr<MediaClient> MediaSessions::new_client(const std::string& owner) const {
    auto c = std::make_unique<Client>();
    c->id = uuid4();
    c->owner = owner;
    c->ufrag = random_token(8);
    c->pwd = random_token(24);
    return c;
}

Result<MediaSessions::Client*, ClientError> MediaSessions::add_client(std::unique_ptr<Client> c,
                                                                      uint32_t worker) {
    using R = Result<Client*, ClientError>;
    c->worker = worker;
    // Transport ids name their worker: id % workers.
    c->transport = ids_.next_transport++ * sink_.workers() + c->worker;
    c->udp_port = take_port(c->worker);  // 0 without services.transport_ports (or a full slice)
    if (!install_transport(*c)) {
        return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
    }
    Client* added = c.get();
    by_transport_[c->transport] = added;
    clients_[c->id] = std::move(c);
    return R{added};
}

uint16_t MediaSessions::take_port(uint32_t worker) {
    const uint32_t n = attached_ ? sink_.workers() : 1;
    const PortRange own = PortPlan{cfg_.dataplane.services, nullptr, n}.transport_slice(worker);
    if (own.empty() || n == 0) {
        return 0;
    }
    const auto [lo, hi] = std::pair{own.lo, own.hi};
    std::set<uint16_t> used;
    for (const auto& [id, c] : clients_) {
        if (c->udp_port != 0) {
            used.insert(c->udp_port);
        }
    }
    for (uint32_t p = lo; p <= hi; ++p) {
        if (used.count(static_cast<uint16_t>(p)) == 0) {
            return static_cast<uint16_t>(p);
        }
    }
    return 0;
}

bool MediaSessions::install_transport(Client& c) {
    shm::SfuTransportCmd t{};
    t.generation = generation_;
    t.id = c.transport;
    t.port = 0;
    t.ufrag_len = static_cast<uint8_t>(c.ufrag.size());
    t.pwd_len = static_cast<uint8_t>(c.pwd.size());
    t.max_kbps = c.publisher ? c.bitrate / 1000 : 0;  // REMB tells the publisher its budget
    t.udp_port = c.udp_port;
    std::memcpy(t.ufrag, c.ufrag.data(), c.ufrag.size());
    std::memcpy(t.pwd, c.pwd.data(), c.pwd.size());
    return command(c.worker, t);
}

bool MediaSessions::restart_ice(Client& c) {
    c.ufrag = random_token(8);
    c.pwd = random_token(24);
    ++n_.ice_restarts;
    log_.info("ICE restart", {{"client", c.id}});
    return install_transport(
        c);  // the data plane takes a known transport's command as new credentials
}

LocalParams MediaSessions::local_params(const Client& c) const {
    LocalParams l;
    l.ice_ufrag = c.ufrag;
    l.ice_pwd = c.pwd;
    l.fingerprint = identity_->fingerprint();
    for (auto a : addresses_) {
        a.port = c.udp_port != 0 ? c.udp_port : PortPlan{cfg_.dataplane}.media_port(c.worker);
        l.candidates.push_back(a);
    }
    l.session_id = c.transport;
    l.session_version = c.sdp_version;
    return l;
}

Result<bool, ClientError> MediaSessions::candidate(const Candidate& req) {
    using R = Result<bool, ClientError>;
    if (clients_.count(req.client_id) == 0) {
        return R{unexpected(ClientError{"unknown_client", "no client " + req.client_id})};
    }
    if (!req.line.empty() && !valid_candidate(req.line)) {
        return R{unexpected(ClientError{"bad_request", "malformed candidate"})};
    }
    ++n_.candidates;  // ICE-lite: the remote's checks reach us, its candidates are not needed
    return R{true};
}

void MediaSessions::drop(const std::string& id, bool report) {
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return;
    }
    std::unique_ptr<Client> c = std::move(it->second);
    clients_.erase(it);
    by_transport_.erase(c->transport);
    command(c->worker, shm::SfuRemoveCmd{generation_, c->transport});
    if (!c->publisher) {
        release_relays(*c);
    }
    if (c->publisher) {
        std::vector<std::string> subs;
        for (const auto& [sid, s] : clients_) {
            if (!s->publisher && s->publisher_id == id) {
                subs.push_back(sid);
            }
        }
        for (const auto& s : subs) {
            drop(s, true);  // their publisher is gone
        }
    }
    if (report && events_.closed) {
        events_.closed(c->owner, c->id, c->publisher);
    }
    save();
}

bool MediaSessions::remove(const std::string& id) {
    if (clients_.count(id) == 0) {
        return false;
    }
    drop(id, false);
    return true;
}

void MediaSessions::remove_owned_by(const std::string& owner) {
    std::vector<std::string> mine;
    for (const auto& [id, c] : clients_) {
        if (c->owner == owner) {
            mine.push_back(id);
        }
    }
    for (const auto& id : mine) {
        drop(id, false);
    }
}

// ---- what the data plane reports ----------------------------------------------------------------

template <class Event>
MediaSessions::Client* MediaSessions::client_of(const shm::RingMessage& m, Event& e) {
    const auto decoded = shm::decode<Event>(m);
    if (!decoded) {
        return nullptr;
    }
    e = *decoded;
    auto it = by_transport_.find(e.id);
    return it == by_transport_.end() ? nullptr : it->second;
}

void MediaSessions::on_transport_up(const shm::RingMessage& m) {
    shm::SfuTransportUpEvt e{};
    Client* found = client_of(m, e);
    if (found == nullptr) {
        return;
    }
    Client& c = *found;
    c.up = true;
    if (!c.ice_reported) {
        c.ice_reported = true;
        if (events_.ice_completed) {
            events_.ice_completed(c.owner, c.id);
        }
        save();
    }
}

void MediaSessions::on_transport_down(const shm::RingMessage& m) {
    shm::SfuTransportDownEvt e{};
    const Client* c = client_of(m, e);
    if (c == nullptr) {
        return;
    }
    ++n_.consent_expired;
    log_.info("ICE consent expired: client closed", {{"client", c->id}});
    drop(std::string(c->id), true);  // a copy: drop() destroys the client
}

void MediaSessions::on_speaking(const shm::RingMessage& m) {
    shm::SfuSpeakingEvt e{};
    Client* found = client_of(m, e);
    if (found == nullptr || !found->publisher) {
        return;
    }
    Client& c = *found;
    c.speaking = e.speaking != 0;
    n_.speech_starts += c.speaking ? 1 : 0;
    log_.debug(c.speaking ? "speaking" : "stopped speaking",
               {{"client", c.id}, {"track", e.track}, {"level_dbov", -int{e.level}}});
}

void MediaSessions::on_estimate(const shm::RingMessage& m) {
    shm::SfuEstimateEvt e{};
    Client* found = client_of(m, e);
    if (found == nullptr || found->publisher) {
        return;
    }
    found->estimate_bps = e.bps;
    found->layers = e;
}

// ---- figures ------------------------------------------------------------------------------------

uint64_t MediaSessions::load() const {
    uint64_t kbps = 0;
    for (const auto& [id, c] : clients_) {
        kbps += c->bitrate / 1000;
    }
    return kbps;
}

nlohmann::json MediaSessions::stats() const {
    uint64_t pubs = 0;
    uint64_t subs = 0;
    uint64_t connected = 0;
    nlohmann::json speakers = nlohmann::json::array();
    nlohmann::json estimates = nlohmann::json::object();
    nlohmann::json layers = nlohmann::json::object();
    for (const auto& [id, c] : clients_) {
        (c->publisher ? pubs : subs) += 1;
        connected += c->keys_sent ? 1 : 0;
        if (c->speaking) {
            speakers.push_back(id);
        }
        if (c->estimate_bps != 0) {
            estimates[id] = c->estimate_bps;
        }
        if (const shm::SfuEstimateEvt& l = c->layers; l.budget_bps != 0) {
            layers[id] = {{"budget_bps", l.budget_bps},
                          {"layers_bps", l.layers_bps},
                          {"videos", l.videos},
                          {"paused", l.paused},
                          {"spatial", l.spatial},
                          {"flowing", l.flowing},
                          {"temporal", l.temporal},
                          {"probing", l.probing != 0},
                          {"layer_bps", {l.layer_bps[0], l.layer_bps[1], l.layer_bps[2]}}};
        }
    }
    return {{"publishers", pubs},
            {"subscribers", subs},
            {"dtls_connected_now", connected},
            {"publishers_created", n_.publishers_created},
            {"subscribers_created", n_.subscribers_created},
            {"offers", n_.offers},
            {"answers", n_.answers},
            {"dtls_connected", n_.dtls_connected},
            {"dtls_failed", n_.dtls_failed},
            {"dtls_in", n_.dtls_in},
            {"dtls_out", n_.dtls_out},
            {"dtls_unknown_transport", n_.dtls_unknown},
            {"candidates", n_.candidates},
            {"ice_restarts", n_.ice_restarts},
            {"dtls_restarts", n_.dtls_restarts},
            {"consent_expired", n_.consent_expired},
            {"data_channels_up", n_.data_channels_up},
            {"data_messages_in", n_.data_messages_in},
            {"data_messages_out", n_.data_messages_out},
            {"speaking_now", speakers},
            {"estimate_bps", estimates},
            {"layers", layers},
            {"speech_starts", n_.speech_starts}};
}

}  // namespace tern::cp
