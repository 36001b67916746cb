#include "controlplane/webrtc/media_state_store.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tern::cp {

namespace {

using nlohmann::json;

constexpr int kVersion = 1;

json codec_json(const CodecChoice& c) {
    return {{"pt", c.pt},
            {"name", c.name},
            {"clock", c.clock_hz},
            {"channels", c.channels},
            {"fmtp", c.fmtp},
            {"feedback", c.feedback},
            {"sfu_codec", c.sfu_codec},
            {"rtx_pt", c.rtx_pt}};
}

CodecChoice codec_from(const json& j) {
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

json client_json(const MediaClient& c) {
    json sections = json::array();
    for (const auto& s : c.sections) {
        sections.push_back({{"mid", s.mid},
                            {"kind", static_cast<int>(s.kind)},
                            {"codec", codec_json(s.codec)},
                            {"ssrc", s.ssrc},
                            {"rids", s.rids},
                            {"sim_ssrcs", s.sim_ssrcs}});
    }
    json outgoing = json::array();
    for (const auto& t : c.outgoing) {
        outgoing.push_back({{"mid", t.mid},
                            {"kind", static_cast<int>(t.kind)},
                            {"codec", codec_json(t.codec)},
                            {"ssrc", t.ssrc},
                            {"rtx_ssrc", t.rtx_ssrc},
                            {"stream", t.stream_id},
                            {"track", t.track_id}});
    }
    return {{"id", c.id},
            {"owner", c.owner},
            {"publisher", c.publisher},
            {"stream_type", c.stream_type},
            {"sid", c.sid},
            {"bitrate", c.bitrate},
            {"transport", c.transport},
            {"worker", c.worker},
            {"udp_port", c.udp_port},
            {"ufrag", c.ufrag},
            {"pwd", c.pwd},
            {"sdp_version", c.sdp_version},
            {"keys_sent", c.keys_sent},
            {"ice_reported", c.ice_reported},
            {"sections", sections},
            {"tracks", c.tracks},
            {"publisher_id", c.publisher_id},
            {"outgoing", outgoing},
            {"app_mid", c.app_mid},
            {"remote_ufrag", c.remote_ufrag},
            {"remote_fingerprint", c.remote_fingerprint},
            {"labels", c.labels}};
}

std::unique_ptr<MediaClient> client_from(const json& j) {
    auto c = std::make_unique<MediaClient>();
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
        r.sim_ssrcs = s.value("sim_ssrcs", std::vector<uint32_t>{});
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

}  // namespace

void MediaStateStore::save(const MediaIds& ids, const std::vector<SavedSession>& sessions,
                           const MediaClients& clients) const {
    if (path_.empty()) {
        return;
    }
    json saved_clients = json::array();
    for (const auto& [id, c] : clients) {
        saved_clients.push_back(client_json(*c));
    }
    json saved_sessions = json::array();
    for (const SavedSession& s : sessions) {
        saved_sessions.push_back({{"id", s.id}, {"issuer", s.issuer}});
    }
    const json state{{"version", kVersion},
                     {"instance", std::to_string(ids.instance)},
                     {"next_transport", ids.next_transport},
                     {"next_track", ids.next_track},
                     {"next_worker", ids.next_worker},
                     {"sessions", saved_sessions},
                     {"clients", saved_clients}};
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << state.dump();
        if (!f) {
            log_.warn("cannot write the state file", {{"path", tmp}});
            return;
        }
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
        log_.warn("cannot replace the state file", {{"path", path_}});
    }
}

std::optional<MediaStateStore::State> MediaStateStore::load() const {
    std::ifstream f(path_);
    if (path_.empty() || !f) {
        return std::nullopt;
    }
    std::stringstream text;
    text << f.rdbuf();
    const auto state = json::parse(text.str(), nullptr, false);
    if (!state.is_object() || state.value("version", 0) != kVersion) {
        log_.warn("state file unreadable; starting empty", {{"path", path_}});
        return std::nullopt;
    }
    try {
        State out;
        out.ids.instance = std::stoull(state.at("instance").get<std::string>());
        out.ids.next_transport = state.at("next_transport").get<uint64_t>();
        out.ids.next_track = state.at("next_track").get<uint32_t>();
        out.ids.next_worker = state.at("next_worker").get<uint32_t>();
        for (const auto& j : state.at("clients")) {
            out.clients.push_back(client_from(j));
        }
        for (const auto& j : state.at("sessions")) {
            out.sessions.push_back(SavedSession{j.value("id", ""), j.value("issuer", "")});
        }
        return out;
    } catch (const std::exception& e) {  // json::exception, or std::stoull's
        log_.warn("state file malformed; starting empty", {{"path", path_}, {"error", e.what()}});
        return std::nullopt;
    }
}

}  // namespace tern::cp
