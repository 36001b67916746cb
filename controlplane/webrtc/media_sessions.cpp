#include "controlplane/webrtc/media_sessions.hpp"

#include "common/shm/messages.hpp"
#include "common/wire/addr.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace tern::cp {

namespace {

constexpr uint64_t kDtlsTimeoutMs = 30'000;
constexpr std::size_t kMaxEarlyDatagrams = 16;

std::string random_token(std::size_t n) {
    static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<unsigned char> r(n);
    RAND_bytes(r.data(), static_cast<int>(n));
    std::string s(n, 'x');
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = kChars[r[i] % 62];
    }
    return s;
}

std::string uuid4() {
    std::array<unsigned char, 16> b{};
    RAND_bytes(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s += '-';
        }
        s += kHex[b[i] >> 4];
        s += kHex[b[i] & 15];
    }
    return s;
}

uint32_t random_ssrc() {
    uint32_t v = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
    return v == 0 ? 1 : v;
}

ClientError bad(std::string code, std::string msg) { return ClientError{std::move(code), std::move(msg)}; }

}  // namespace

MediaSessions::MediaSessions(const Config& config, const Logger& log, std::shared_ptr<DtlsIdentity> identity,
                             Events events)
    : cfg_(config), log_(log), identity_(std::move(identity)), events_(std::move(events)) {
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

void MediaSessions::attach(DataplaneClient& dp, uint64_t instance_id, uint64_t generation) {
    dp_ = &dp;
    generation_ = generation;
    if (instance_id == instance_ && !stale_.empty()) {
        for (const auto& [transport, worker] : stale_) {
            command(worker, shm::MsgType::SfuRemove, shm::SfuRemoveCmd{generation_, transport});
        }
    }
    stale_.clear();
    if (instance_id == instance_ && !clients_.empty()) {
        log_.info("data plane still holds our transports: calls continue",
                  {{"clients", clients_.size()}, {"restored", restored_}});
        save();
        return;
    }
    // A new data plane knows none of our transports: what was established is gone with it.
    instance_ = instance_id;
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

// ---- the state file ---------------------------------------------------------------------------

namespace {

nlohmann::json codec_json(const CodecChoice& c) {
    return {{"pt", c.pt}, {"name", c.name}, {"clock", c.clock_hz}, {"channels", c.channels},
            {"fmtp", c.fmtp}, {"feedback", c.feedback}, {"sfu_codec", c.sfu_codec}, {"rtx_pt", c.rtx_pt}};
}

CodecChoice codec_from(const nlohmann::json& j) {
    CodecChoice c;
    c.pt = j.at("pt").get<uint8_t>();
    c.name = j.at("name").get<std::string>();
    c.clock_hz = j.at("clock").get<uint32_t>();
    c.channels = j.at("channels").get<uint8_t>();
    c.fmtp = j.at("fmtp").get<std::string>();
    c.feedback = j.at("feedback").get<std::vector<std::string>>();
    c.sfu_codec = j.at("sfu_codec").get<uint8_t>();
    c.rtx_pt = j.value("rtx_pt", uint8_t{0});
    return c;
}

}  // namespace

nlohmann::json MediaSessions::client_json(const Client& c) const {
    nlohmann::json sections = nlohmann::json::array();
    for (const auto& s : c.sections) {
        sections.push_back({{"mid", s.mid}, {"kind", static_cast<int>(s.kind)}, {"codec", codec_json(s.codec)},
                            {"ssrc", s.ssrc}, {"rids", s.rids}});
    }
    nlohmann::json outgoing = nlohmann::json::array();
    for (const auto& t : c.outgoing) {
        outgoing.push_back({{"mid", t.mid}, {"kind", static_cast<int>(t.kind)}, {"codec", codec_json(t.codec)},
                            {"ssrc", t.ssrc}, {"rtx_ssrc", t.rtx_ssrc}, {"stream", t.stream_id}, {"track", t.track_id}});
    }
    return {{"id", c.id}, {"owner", c.owner}, {"publisher", c.publisher}, {"stream_type", c.stream_type},
            {"sid", c.sid}, {"bitrate", c.bitrate}, {"transport", c.transport}, {"worker", c.worker}, {"udp_port", c.udp_port},
            {"ufrag", c.ufrag}, {"pwd", c.pwd}, {"sdp_version", c.sdp_version}, {"keys_sent", c.keys_sent},
            {"ice_reported", c.ice_reported}, {"sections", sections}, {"tracks", c.tracks},
            {"publisher_id", c.publisher_id}, {"outgoing", outgoing}, {"app_mid", c.app_mid},
            {"remote_ufrag", c.remote_ufrag}, {"remote_fingerprint", c.remote_fingerprint},
            {"labels", c.labels}};
}

std::unique_ptr<MediaSessions::Client> MediaSessions::client_from(const nlohmann::json& j) const {
    auto c = std::make_unique<Client>();
    c->id = j.at("id").get<std::string>();
    c->owner = j.at("owner").get<std::string>();
    c->publisher = j.at("publisher").get<bool>();
    c->stream_type = j.at("stream_type").get<std::string>();
    c->sid = j.at("sid").get<std::string>();
    c->bitrate = j.at("bitrate").get<uint32_t>();
    c->transport = j.at("transport").get<uint64_t>();
    c->worker = j.at("worker").get<uint32_t>();
    c->udp_port = j.value("udp_port", uint16_t{0});
    c->ufrag = j.at("ufrag").get<std::string>();
    c->pwd = j.at("pwd").get<std::string>();
    c->sdp_version = j.at("sdp_version").get<uint64_t>();
    c->keys_sent = j.at("keys_sent").get<bool>();
    c->ice_reported = j.at("ice_reported").get<bool>();
    for (const auto& s : j.at("sections")) {
        RemoteSection r;
        r.mid = s.at("mid").get<std::string>();
        r.kind = static_cast<MediaKind>(s.at("kind").get<int>());
        r.codec = codec_from(s.at("codec"));
        r.ssrc = s.at("ssrc").get<uint32_t>();
        r.rids = s.at("rids").get<std::vector<std::string>>();
        r.accepted = true;
        c->sections.push_back(std::move(r));
    }
    c->tracks = j.at("tracks").get<std::vector<uint32_t>>();
    c->publisher_id = j.at("publisher_id").get<std::string>();
    c->app_mid = j.value("app_mid", "");
    c->remote_ufrag = j.value("remote_ufrag", "");
    c->remote_fingerprint = j.value("remote_fingerprint", "");
    c->labels = j.value("labels", std::vector<std::string>{});
    for (const auto& t : j.at("outgoing")) {
        OutgoingTrack o;
        o.mid = t.at("mid").get<std::string>();
        o.kind = static_cast<MediaKind>(t.at("kind").get<int>());
        o.codec = codec_from(t.at("codec"));
        o.ssrc = t.at("ssrc").get<uint32_t>();
        o.rtx_ssrc = t.value("rtx_ssrc", uint32_t{0});
        o.stream_id = t.at("stream").get<std::string>();
        o.track_id = t.at("track").get<std::string>();
        c->outgoing.push_back(std::move(o));
    }
    return c;
}

void MediaSessions::set_sessions(nlohmann::json sessions) {
    sessions_ = std::move(sessions);
    save();
}

void MediaSessions::save() {
    const std::string& path = cfg_.controlplane.proxy.state_file;
    if (path.empty()) {
        return;
    }
    nlohmann::json clients = nlohmann::json::array();
    for (const auto& [id, c] : clients_) {
        clients.push_back(client_json(*c));
    }
    const nlohmann::json state{{"version", 1},
                               {"instance", std::to_string(instance_)},
                               {"next_transport", next_transport_},
                               {"next_track", next_track_},
                               {"next_worker", next_worker_},
                               {"sessions", sessions_},
                               {"clients", clients}};
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << state.dump();
        if (!f) {
            log_.warn("cannot write the state file", {{"path", tmp}});
            return;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        log_.warn("cannot replace the state file", {{"path", path}});
    }
}

nlohmann::json MediaSessions::restore() {
    const std::string& path = cfg_.controlplane.proxy.state_file;
    std::ifstream f(path);
    if (path.empty() || !f) {
        return nlohmann::json::array();
    }
    std::stringstream text;
    text << f.rdbuf();
    const auto state = nlohmann::json::parse(text.str(), nullptr, false);
    if (!state.is_object() || state.value("version", 0) != 1) {
        log_.warn("state file unreadable; starting empty", {{"path", path}});
        return nlohmann::json::array();
    }
    try {
        instance_ = std::stoull(state.at("instance").get<std::string>());
        next_transport_ = state.at("next_transport").get<uint64_t>();
        next_track_ = state.at("next_track").get<uint32_t>();
        next_worker_ = state.at("next_worker").get<uint32_t>();
        for (const auto& j : state.at("clients")) {
            auto c = client_from(j);
            if (!c->keys_sent) {
                stale_.emplace_back(c->transport, c->worker);  // its DTLS died with the previous process
                continue;
            }
            by_transport_[c->transport] = c.get();
            clients_[c->id] = std::move(c);
            ++restored_;
        }
        sessions_ = state.at("sessions");
    } catch (const nlohmann::json::exception& e) {
        log_.warn("state file malformed; starting empty", {{"path", path}, {"error", e.what()}});
        clients_.clear();
        by_transport_.clear();
        restored_ = 0;
        return nlohmann::json::array();
    }
    log_.info("state restored", {{"path", path}, {"clients", restored_}, {"sessions", sessions_.size()}});
    return sessions_;
}

void MediaSessions::detach() { dp_ = nullptr; }

template <class T>
bool MediaSessions::command(uint32_t worker, shm::MsgType type, const T& cmd) {
    return dp_ != nullptr && dp_->send_command(worker, type, cmd);
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

uint32_t MediaSessions::place_subscriber(const Client& pub) const {
    const uint32_t n = dp_ != nullptr ? dp_->workers() : 1;
    if (n <= 1) {
        return pub.worker;
    }
    std::vector<uint64_t> streams(n, 0);  // what each worker sends
    for (const auto& [id, c] : clients_) {
        if (!c->publisher && c->worker < n) {
            streams[c->worker] += std::max<std::size_t>(c->outgoing.size(), 1);
        }
    }
    const uint64_t adds = std::max<std::size_t>(pub.sections.size(), 1);
    if (pub.worker < n && streams[pub.worker] + adds <= cfg_.controlplane.proxy.streams_per_lcore) {
        return pub.worker;  // forwarding stays on one lcore
    }
    return static_cast<uint32_t>(std::min_element(streams.begin(), streams.end()) - streams.begin());
}

bool MediaSessions::relay_track(const Client& sub, const Client& pub, std::size_t i) {
    const RemoteSection& s = pub.sections[i];
    const std::size_t layers = std::max<std::size_t>(1, s.rids.size());
    for (std::size_t layer = 0; layer < layers; ++layer) {
        shm::SfuPublicationCmd p{};
        p.generation = generation_;
        p.track = pub.tracks[i];
        p.layer = static_cast<int32_t>(layer);
        p.clock_hz = s.codec.clock_hz;
        p.codec = s.codec.sfu_codec;
        p.from_worker = static_cast<uint8_t>(pub.worker + 1);
        if (!command(sub.worker, shm::MsgType::SfuPublication, p)) {
            return false;
        }
    }
    shm::SfuRelayCmd r{};
    r.generation = generation_;
    r.track = pub.tracks[i];
    r.to_worker = sub.worker;
    r.on = 1;
    return command(pub.worker, shm::MsgType::SfuRelay, r);
}

void MediaSessions::release_relays(const Client& sub) {
    auto pit = clients_.find(sub.publisher_id);
    if (pit == clients_.end() || pit->second->worker == sub.worker) {
        return;  // the publisher is gone (its relays with it) or was on the same worker
    }
    const Client& pub = *pit->second;
    for (const auto& [id, c] : clients_) {
        if (!c->publisher && c->publisher_id == pub.id && c->worker == sub.worker) {
            return;  // another subscriber there still needs them
        }
    }
    for (std::size_t i = 0; i < pub.tracks.size() && i < sub.outgoing.size(); ++i) {
        shm::SfuRelayCmd r{};
        r.generation = generation_;
        r.track = pub.tracks[i];
        r.to_worker = sub.worker;
        r.on = 0;
        command(pub.worker, shm::MsgType::SfuRelay, r);
    }
}

uint16_t MediaSessions::take_port(uint32_t worker) {
    const uint32_t n = dp_ != nullptr ? dp_->workers() : 1;
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
    return command(c.worker, shm::MsgType::SfuTransport, t);
}

Result<MediaSessions::Created, ClientError> MediaSessions::create_publisher(const std::string& owner,
                                                                            const std::string& sid,
                                                                            const PublisherSettings& s) {
    using R = Result<Created, ClientError>;
    if (dp_ == nullptr) {
        return R{unexpected(bad("timeout", "no data plane attached"))};
    }
    if (cfg_.dataplane.services.media_port == 0) {
        return R{unexpected(bad("bad_request", "the SFU is off (dataplane.services.media_port = 0)"))};
    }
    if (s.stream_type != "video" && s.stream_type != "screen") {
        return R{unexpected(bad("bad_request", "streamType must be video or screen"))};
    }
    auto c = std::make_unique<Client>();
    c->id = uuid4();
    c->owner = owner;
    c->publisher = true;
    c->stream_type = s.stream_type;
    c->sid = sid;
    const uint32_t cap = s.stream_type == "screen" ? cfg_.controlplane.proxy.screen_bitrate
                                                   : cfg_.controlplane.proxy.camera_bitrate;
    c->bitrate = s.bitrate == 0 ? cap : std::min(s.bitrate, cap);
    c->video_pref = s.video_codec;
    c->worker = next_worker_++ % dp_->workers();
    // Transport ids name their worker: id % workers.
    c->transport = next_transport_++ * dp_->workers() + c->worker;
    c->udp_port = take_port(c->worker);  // 0 without services.transport_ports (or a full slice)
    c->ufrag = random_token(8);
    c->pwd = random_token(24);
    if (!install_transport(*c)) {
        return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
    }
    ++n_.publishers_created;
    Created out{c->id, c->bitrate, c->sid};
    log_.info("publisher created", {{"client", c->id}, {"stream", c->stream_type}, {"transport", c->transport},
                                    {"worker", c->worker}, {"udp_port", c->udp_port}, {"bitrate", c->bitrate}});
    by_transport_[c->transport] = c.get();
    clients_[c->id] = std::move(c);
    save();
    return R{std::move(out)};
}

Result<MediaSessions::Created, ClientError> MediaSessions::create_subscriber(const std::string& owner,
                                                                             const std::string& publisher_id,
                                                                             const std::string& stream_type) {
    using R = Result<Created, ClientError>;
    if (dp_ == nullptr) {
        return R{unexpected(bad("timeout", "no data plane attached"))};
    }
    auto it = clients_.find(publisher_id);
    if (it == clients_.end() || !it->second->publisher) {
        return R{unexpected(bad("unknown_client", "no publisher " + publisher_id))};
    }
    const Client& pub = *it->second;
    if (!stream_type.empty() && stream_type != pub.stream_type) {
        return R{unexpected(bad("bad_request", "publisher " + publisher_id + " publishes " + pub.stream_type))};
    }
    auto c = std::make_unique<Client>();
    c->id = uuid4();
    c->owner = owner;
    c->stream_type = pub.stream_type;
    c->sid = random_token(16);
    c->bitrate = pub.bitrate;
    c->publisher_id = publisher_id;
    c->worker = place_subscriber(pub);
    c->transport = next_transport_++ * dp_->workers() + c->worker;
    c->udp_port = take_port(c->worker);  // 0 without services.transport_ports (or a full slice)
    c->ufrag = random_token(8);
    c->pwd = random_token(24);
    if (!install_transport(*c)) {
        return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
    }
    ++n_.subscribers_created;
    Created out{c->id, c->bitrate, c->sid};
    log_.info("subscriber created", {{"client", c->id}, {"publisher", publisher_id}, {"transport", c->transport},
                                     {"worker", c->worker}, {"udp_port", c->udp_port}});
    by_transport_[c->transport] = c.get();
    clients_[c->id] = std::move(c);
    save();
    return R{std::move(out)};
}

Result<MediaSessions::Client*, ClientError> MediaSessions::find(const std::string& id, bool publisher) {
    using R = Result<Client*, ClientError>;
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return R{unexpected(bad("unknown_client", "no client " + id))};
    }
    if (it->second->publisher != publisher) {
        return R{unexpected(bad("unsupported_payload",
                                std::string("this payload is for ") + (publisher ? "publishers" : "subscribers")))};
    }
    return R{it->second.get()};
}

Result<std::pair<MediaSessions::Client*, const MediaSessions::Client*>, ClientError> MediaSessions::find_subscriber(
    const std::string& id) {
    using R = Result<std::pair<Client*, const Client*>, ClientError>;
    auto f = find(id, false);
    if (!f) {
        return R{unexpected(f.error())};
    }
    auto pit = clients_.find((*f)->publisher_id);
    if (pit == clients_.end()) {
        return R{unexpected(bad("unknown_client", "the publisher is gone"))};
    }
    return R{std::make_pair(*f, static_cast<const Client*>(pit->second.get()))};
}

bool MediaSessions::owned_by(const std::string& client_id, const std::string& owner) const {
    auto it = clients_.find(client_id);
    return it != clients_.end() && it->second->owner == owner;
}

Result<std::string, ClientError> MediaSessions::offer(const std::string& id, const std::string& sdp_text) {
    using R = Result<std::string, ClientError>;
    auto f = find(id, true);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = **f;
    auto parsed = sdp::parse(sdp_text);
    if (!parsed) {
        return R{unexpected(bad("bad_request", parsed.error()))};
    }
    CodecPreferences prefs;
    prefs.video = cfg_.controlplane.proxy.video_codecs;
    prefs.data_channels = true;
    if (!c.video_pref.empty()) {
        // The publisher's own preference goes first ("vp9" or "vp9,vp8").
        std::vector<std::string> mine;
        for (auto v : sdp::split(c.video_pref, ',')) {
            std::string up(v);
            std::transform(up.begin(), up.end(), up.begin(), ::toupper);
            if (std::find(prefs.video.begin(), prefs.video.end(), up) != prefs.video.end()) {
                mine.push_back(up);
            }
        }
        for (const auto& v : prefs.video) {
            if (std::find(mine.begin(), mine.end(), v) == mine.end()) {
                mine.push_back(v);
            }
        }
        prefs.video = mine;
    }
    auto remote = read_offer(*parsed, prefs);
    if (!remote) {
        return R{unexpected(bad("bad_request", remote.error()))};
    }
    auto rid_ext_of = [](const RemoteSection& s) { return extension_id(s, kRtpStreamIdUri); };
    // Transport-wide (one id for the BUNDLE), audio level, video orientation and capture time
    // ids, for every publication command.
    uint8_t twcc_ext = 0;
    uint8_t level_ext = 0;
    uint8_t cvo_ext = 0;
    uint8_t capture_ext = 0;
    for (const auto& s : remote->sections) {
        if (s.accepted) {
            twcc_ext = twcc_ext != 0 ? twcc_ext : extension_id(s, kTransportCcUri);
            level_ext = level_ext != 0 || s.kind != MediaKind::Audio ? level_ext : extension_id(s, kAudioLevelUri);
            cvo_ext = cvo_ext != 0 || s.kind != MediaKind::Video ? cvo_ext : extension_id(s, kVideoOrientationUri);
            capture_ext = capture_ext != 0 ? capture_ext : extension_id(s, kAbsCaptureTimeUri);
        }
    }
    for (auto& s : remote->sections) {
        if (s.accepted && s.kind != MediaKind::Application && s.ssrc == 0 &&
            (s.rids.empty() || s.rids.size() > 4 || rid_ext_of(s) == 0)) {
            s.accepted = false;
            s.reject_reason = "simulcast needs the rtp-stream-id extension and at most four rids";
        }
        if (s.accepted && !s.rids.empty() && s.ssrc != 0) {
            s.rids.clear();  // SSRC-signalled: one layer as far as tern is concerned
        }
    }
    const bool renegotiation = c.dtls != nullptr || c.keys_sent;
    if (renegotiation) {
        // The same DTLS association continues (RFC 8843): a new certificate would need a new one.
        if (!c.remote_fingerprint.empty() && remote->fingerprint != c.remote_fingerprint) {
            return R{unexpected(bad("bad_request", "a renegotiation may not change the DTLS fingerprint"))};
        }
        if (remote->ice_ufrag != c.remote_ufrag && !restart_ice(c)) {
            return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
        }
    }
    c.remote_ufrag = remote->ice_ufrag;
    c.remote_fingerprint = remote->fingerprint;
    // Sections already published keep their tracks (subscribers stay attached); new ones are
    // published; removed ones simply stop carrying packets.
    std::vector<RemoteSection> old_sections = std::move(c.sections);
    std::vector<uint32_t> old_tracks = std::move(c.tracks);
    c.sections.clear();
    c.tracks.clear();
    for (const auto& s : remote->sections) {
        if (!s.accepted) {
            log_.info("publisher section rejected", {{"client", id}, {"mid", s.mid}, {"why", s.reject_reason}});
            continue;
        }
        if (s.kind == MediaKind::Application) {
            c.app_mid = s.mid;
            continue;
        }
        bool kept = false;
        for (std::size_t k = 0; k < old_sections.size(); ++k) {
            if (old_sections[k].mid == s.mid && old_sections[k].ssrc == s.ssrc && old_sections[k].rids == s.rids) {
                c.sections.push_back(old_sections[k]);
                c.tracks.push_back(old_tracks[k]);
                kept = true;
                break;
            }
        }
        if (kept) {
            continue;
        }
        const uint32_t track = next_track_++;
        // One publication per layer: rids are listed best first, layer 0 is the lowest.
        const std::size_t layers = std::max<std::size_t>(1, s.rids.size());
        for (std::size_t i = 0; i < layers; ++i) {
            shm::SfuPublicationCmd p{};
            p.generation = generation_;
            p.id = c.transport;
            p.ssrc = s.ssrc;
            p.track = track;
            p.layer = static_cast<int32_t>(layers - 1 - i);
            p.clock_hz = s.codec.clock_hz;
            p.codec = s.codec.sfu_codec;
            p.twcc_ext = twcc_ext;
            p.level_ext = level_ext;
            p.cvo_ext = cvo_ext;
            p.capture_ext = capture_ext;
            if (!s.rids.empty()) {
                p.rid_ext = rid_ext_of(s);
                p.rid_len = static_cast<uint8_t>(std::min(s.rids[i].size(), sizeof p.rid));
                std::memcpy(p.rid, s.rids[i].data(), p.rid_len);
            }
            if (!command(c.worker, shm::MsgType::SfuPublication, p)) {
                return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
            }
        }
        c.sections.push_back(s);
        c.tracks.push_back(track);
    }
    if (c.sections.empty() && c.app_mid.empty()) {
        return R{unexpected(bad("bad_request", "the offer has no audio, video or data channel tern can receive"))};
    }
    ++n_.offers;
    ++c.sdp_version;
    if (!renegotiation) {
        start_dtls(c, remote->fingerprint);
    }
    save();
    return R{write_answer(*remote, local_params(c))};
}

Result<std::string, ClientError> MediaSessions::request_offer(const std::string& id) {
    using R = Result<std::string, ClientError>;
    auto f = find_subscriber(id);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = *f->first;
    const Client& pub = *f->second;
    if (pub.sections.empty() && pub.app_mid.empty()) {
        return R{unexpected(bad("bad_request", "the publisher has not sent its offer yet"))};
    }
    c.app_mid = pub.app_mid;  // data channels reach subscribers under the publisher's mid
    if (c.dtls != nullptr || c.keys_sent) {
        // A new offer for a running subscriber: an ICE restart (new credentials), and the
        // publisher's tracks added since the last one.
        if (!restart_ice(c)) {
            return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
        }
    }
    {
        for (std::size_t i = c.outgoing.size(); i < pub.sections.size(); ++i) {
            const RemoteSection& s = pub.sections[i];
            OutgoingTrack t;
            t.mid = s.mid;
            t.kind = s.kind;
            t.codec = s.codec;
            t.ssrc = random_ssrc();
            if (s.kind == MediaKind::Video && s.codec.rtx_pt != 0) {
                t.rtx_ssrc = random_ssrc();  // NACKed packets go back as RTX
            }
            t.stream_id = "tern-" + pub.id.substr(0, 8);
            t.track_id = (s.kind == MediaKind::Audio ? "audio-" : "video-") + s.mid;
            shm::SfuSubscriptionCmd sc{};
            sc.generation = generation_;
            sc.id = c.transport;
            sc.track = pub.tracks[i];
            sc.out_ssrc = t.ssrc;
            sc.out_pt = s.codec.pt;
            sc.target_layer = default_layer(s);
            sc.rtx_ssrc = t.rtx_ssrc;
            sc.rtx_pt = s.codec.rtx_pt;
            if ((c.worker != pub.worker && !relay_track(c, pub, i)) ||
                !command(c.worker, shm::MsgType::SfuSubscription, sc)) {
                return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
            }
            c.outgoing.push_back(std::move(t));
        }
    }
    ++c.sdp_version;
    save();
    return R{write_subscriber_offer(c.outgoing, local_params(c), c.app_mid)};
}

Result<bool, ClientError> MediaSessions::answer(const std::string& id, const std::string& sdp_text) {
    using R = Result<bool, ClientError>;
    auto f = find(id, false);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = **f;
    if (c.outgoing.empty()) {
        return R{unexpected(bad("bad_request", "no offer was sent to this subscriber (requestoffer first)"))};
    }
    auto parsed = sdp::parse(sdp_text);
    if (!parsed) {
        return R{unexpected(bad("bad_request", parsed.error()))};
    }
    auto remote = read_answer(*parsed);
    if (!remote) {
        return R{unexpected(bad("bad_request", remote.error()))};
    }
    if (!c.remote_fingerprint.empty() && remote->fingerprint != c.remote_fingerprint) {
        return R{unexpected(bad("bad_request", "a renegotiation may not change the DTLS fingerprint"))};
    }
    ++n_.answers;
    c.remote_ufrag = remote->ice_ufrag;
    c.remote_fingerprint = remote->fingerprint;
    if (!c.dtls && !c.keys_sent) {
        start_dtls(c, remote->fingerprint);
    }
    save();
    return R{true};
}

Result<bool, ClientError> MediaSessions::select_stream(const std::string& id, const nlohmann::json& payload) {
    using R = Result<bool, ClientError>;
    auto f = find_subscriber(id);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = *f->first;
    const Client& pub = *f->second;
    const bool video_on = !payload.contains("video") || !payload["video"].is_boolean() || payload["video"].get<bool>();
    for (std::size_t i = 0; i < c.outgoing.size() && i < pub.sections.size(); ++i) {
        const RemoteSection& s = pub.sections[i];
        if (s.kind != MediaKind::Video) {
            continue;
        }
        int layer = default_layer(s);
        if (payload.contains("substream") && payload["substream"].is_number_integer()) {
            const int max = std::max<int>(0, static_cast<int>(s.rids.size()) - 1);
            layer = std::clamp(payload["substream"].get<int>(), 0, max);
        }
        const shm::SfuLayerCmd cmd{generation_, c.transport, c.outgoing[i].ssrc, video_on ? layer : -1};
        if (!command(c.worker, shm::MsgType::SfuLayer, cmd)) {
            return R{unexpected(bad("timeout", "the data plane's command ring is full"))};
        }
    }
    return R{true};
}

Result<bool, ClientError> MediaSessions::candidate(const std::string& id, const nlohmann::json& payload) {
    using R = Result<bool, ClientError>;
    if (clients_.count(id) == 0) {
        return R{unexpected(bad("unknown_client", "no client " + id))};
    }
    const nlohmann::json& c = payload.contains("candidate") ? payload["candidate"] : payload;
    const std::string line = c.is_object() ? c.value("candidate", "") : c.is_string() ? c.get<std::string>() : "";
    if (!line.empty() && !valid_candidate(line)) {
        return R{unexpected(bad("bad_request", "malformed candidate"))};
    }
    ++n_.candidates;  // ICE-lite: the remote's checks reach us, its candidates are not needed
    return R{true};
}

bool MediaSessions::restart_ice(Client& c) {
    c.ufrag = random_token(8);
    c.pwd = random_token(24);
    ++n_.ice_restarts;
    log_.info("ICE restart", {{"client", c.id}});
    return install_transport(c);  // the data plane takes a known transport's command as new credentials
}

void MediaSessions::start_dtls(Client& c, const std::string& remote_fingerprint) {
    const uint64_t transport = c.transport;
    const uint32_t worker = c.worker;
    Client* self = &c;
    c.dtls = std::make_unique<DtlsSession>(identity_, DtlsSession::Role::Server, remote_fingerprint,
                                           [this, transport, worker](ByteSpan d) {
                                               if (dp_ == nullptr) {
                                                   return;
                                               }
                                               std::vector<std::byte> buf(sizeof(shm::SfuDatagramMeta) + d.size());
                                               const shm::SfuDatagramMeta meta{transport, static_cast<uint32_t>(d.size()), 0};
                                               std::memcpy(buf.data(), &meta, sizeof meta);
                                               std::memcpy(buf.data() + sizeof meta, d.data(), d.size());
                                               if (dp_->inject(worker).try_push(static_cast<uint16_t>(shm::MsgType::SfuDatagram), ByteSpan{buf})) {
                                                   ++n_.dtls_out;
                                               }
                                           });
    c.dtls->on_application = [self](ByteSpan d) {
        if (self->data) {
            self->data->on_packet(d);
        }
    };
    auto early = std::move(c.early);
    c.early.clear();
    for (const auto& d : early) {
        c.dtls->on_datagram(d, 0);
    }
    dtls_progress(c);
}

void MediaSessions::dtls_progress(Client& c) {
    if (!c.dtls) {
        return;
    }
    if (c.dtls->state() == DtlsSession::State::Connected && !c.keys_sent) {
        const SrtpKeying& k = c.dtls->keys();
        shm::SfuKeysCmd cmd{};
        cmd.generation = generation_;
        cmd.id = c.transport;
        cmd.suite = static_cast<uint8_t>(k.rx.suite);
        std::memcpy(cmd.rx_key, k.rx.key.data(), 32);
        std::memcpy(cmd.rx_salt, k.rx.salt.data(), 14);
        std::memcpy(cmd.tx_key, k.tx.key.data(), 32);
        std::memcpy(cmd.tx_salt, k.tx.salt.data(), 14);
        if (command(c.worker, shm::MsgType::SfuKeys, cmd)) {
            c.keys_sent = true;
            ++n_.dtls_connected;
            save();
            start_data_channels(c);
            log_.info("DTLS connected", {{"client", c.id}, {"profile", c.dtls->profile_name()}});
        }
    } else if (c.dtls->state() == DtlsSession::State::Failed) {
        ++n_.dtls_failed;
        log_.warn("DTLS failed", {{"client", c.id}, {"error", c.dtls->error()}});
        drop(c.id, true);
    }
}

void MediaSessions::start_data_channels(Client& c) {
    if (c.app_mid.empty() || c.data || !c.dtls) {
        return;
    }
    Client* self = &c;
    c.data = std::make_unique<DataChannels>(true, [self](ByteSpan p) {
        if (self->dtls) {
            self->dtls->send_application(p);
        }
    });
    c.data->on_connected = [this, self] {
        ++n_.data_channels_up;
        if (self->publisher) {
            return;
        }
        // A subscriber gets the channels its publisher has opened so far (others as they come).
        auto pit = clients_.find(self->publisher_id);
        if (pit != clients_.end()) {
            for (const auto& label : pit->second->labels) {
                self->data->open_channel(label);
            }
        }
    };
    if (c.publisher) {
        c.data->on_open = [this, self](const DataChannels::Channel& ch) {
            if (std::find(self->labels.begin(), self->labels.end(), ch.label) == self->labels.end()) {
                self->labels.push_back(ch.label);
            }
            for (auto& [id, s] : clients_) {
                if (!s->publisher && s->publisher_id == self->id && s->data && s->data->connected()) {
                    s->data->open_channel(ch.label);
                }
            }
        };
        c.data->on_message = [this, self](const DataChannels::Channel& ch, ByteSpan d, bool binary) {
            ++n_.data_messages_in;
            forward_data(*self, ch, d, binary);
        };
    }
    c.data->start();
}

void MediaSessions::forward_data(const Client& pub, const DataChannels::Channel& ch, ByteSpan data, bool binary) {
    for (auto& [id, s] : clients_) {
        if (s->publisher || s->publisher_id != pub.id || !s->data || !s->data->connected()) {
            continue;
        }
        int stream = -1;
        for (const auto& [sid, c] : s->data->channels()) {
            if (c.label == ch.label) {
                stream = sid;
                break;
            }
        }
        if (stream < 0) {
            stream = s->data->open_channel(ch.label);
        }
        if (stream >= 0 && s->data->send(static_cast<uint16_t>(stream), data, binary)) {
            ++n_.data_messages_out;
        }
    }
}

void MediaSessions::on_punt(const shm::RingMessage& m, uint64_t now_ms) {
    shm::SfuDatagramMeta meta{};
    if (m.payload.size() < sizeof meta) {
        return;
    }
    std::memcpy(&meta, m.payload.data(), sizeof meta);
    if (meta.len > m.payload.size() - sizeof meta) {
        return;
    }
    auto it = by_transport_.find(meta.id);
    if (it == by_transport_.end()) {
        ++n_.dtls_unknown;
        return;
    }
    Client& c = *it->second;
    ++n_.dtls_in;
    const ByteSpan d = m.payload.subspan(sizeof meta, meta.len);
    if (c.dtls_started_ms == 0) {
        c.dtls_started_ms = now_ms;  // the handshake must finish within kDtlsTimeoutMs of this
    }
    if (!c.dtls) {
        // The browser may start DTLS before its answer reaches us through signaling.
        if (c.early.size() < kMaxEarlyDatagrams) {
            c.early.emplace_back(d.begin(), d.end());
        }
        return;
    }
    c.dtls->on_datagram(d, now_ms);
    dtls_progress(c);
}

template <class Event>
MediaSessions::Client* MediaSessions::client_of(const shm::RingMessage& m, Event& e) {
    if (m.payload.size() != sizeof e) {
        return nullptr;
    }
    std::memcpy(&e, m.payload.data(), sizeof e);
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
    shm::SfuTransportUpEvt e{};
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

void MediaSessions::tick(uint64_t now_ms) {
    DataChannels::advance_timers(now_ms);
    std::vector<std::string> failed;
    for (auto& [id, c] : clients_) {
        if (!c->dtls || c->dtls->state() != DtlsSession::State::Handshaking) {
            continue;
        }
        if (auto t = c->dtls->next_timer_ms(); t && now_ms >= *t) {
            c->dtls->on_timer(now_ms);
        }
        if (c->dtls_started_ms != 0 && now_ms - c->dtls_started_ms > kDtlsTimeoutMs) {
            failed.push_back(id);
        }
    }
    for (const auto& id : failed) {
        log_.warn("DTLS handshake timed out", {{"client", id}});
        ++n_.dtls_failed;
        drop(id, true);
    }
}

void MediaSessions::drop(const std::string& id, bool report) {
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return;
    }
    std::unique_ptr<Client> c = std::move(it->second);
    clients_.erase(it);
    by_transport_.erase(c->transport);
    command(c->worker, shm::MsgType::SfuRemove, shm::SfuRemoveCmd{generation_, c->transport});
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

nlohmann::json MediaSessions::publisher_streams(const std::string& id) const {
    nlohmann::json streams = nlohmann::json::array();
    auto it = clients_.find(id);
    if (it == clients_.end() || !it->second->publisher) {
        return streams;
    }
    int index = 0;
    for (const auto& s : it->second->sections) {
        streams.push_back({{"mid", s.mid},
                           {"mindex", index++},
                           {"type", s.kind == MediaKind::Audio ? "audio" : "video"},
                           {"codec", s.codec.name},
                           {"simulcast", !s.rids.empty()}});
    }
    return streams;
}

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
    for (const auto& [id, c] : clients_) {
        (c->publisher ? pubs : subs) += 1;
        connected += c->keys_sent ? 1 : 0;
        if (c->speaking) {
            speakers.push_back(id);
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
            {"consent_expired", n_.consent_expired},
            {"data_channels_up", n_.data_channels_up},
            {"data_messages_in", n_.data_messages_in},
            {"data_messages_out", n_.data_messages_out},
            {"speaking_now", speakers},
            {"speech_starts", n_.speech_starts}};
}

}  // namespace tern::cp
