// MediaSessions: publishers. A publisher is made with its transport, then its offer is answered
// and each accepted track published on the data plane, one publication per simulcast layer.
#include "common/shm/messages.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace tern::cp {

Result<Created, ClientError> MediaSessions::create_publisher(const std::string& owner,
                                                             const CreatePublisher& req) {
    using R = Result<Created, ClientError>;
    if (!attached_ || sink_.workers() == 0) {
        return R{unexpected(ClientError{"timeout", "no data plane attached"})};
    }
    if (cfg_.dataplane.services.media_port == 0) {
        return R{unexpected(
            ClientError{"bad_request", "the SFU is off (dataplane.services.media_port = 0)"})};
    }
    if (req.stream_type != "video" && req.stream_type != "screen") {
        return R{unexpected(ClientError{"bad_request", "streamType must be video or screen"})};
    }
    auto c = new_client(owner);
    c->publisher = true;
    c->stream_type = req.stream_type;
    c->sid = req.sid;
    const uint32_t cap = req.stream_type == "screen" ? cfg_.controlplane.proxy.screen_bitrate
                                                     : cfg_.controlplane.proxy.camera_bitrate;
    c->bitrate = req.bitrate == 0 ? cap : std::min(req.bitrate, cap);
    c->video_pref = req.video_codec;
    auto added = add_client(std::move(c), ids_.next_worker++ % sink_.workers());
    if (!added) {
        return R{unexpected(added.error())};
    }
    const Client& p = **added;
    ++n_.publishers_created;
    log_.info("publisher created", {{"client", p.id},
                                    {"stream", p.stream_type},
                                    {"transport", p.transport},
                                    {"worker", p.worker},
                                    {"udp_port", p.udp_port},
                                    {"bitrate", p.bitrate}});
    save();
    return R{Created{p.id, p.bitrate, p.sid}};
}

Result<std::string, ClientError> MediaSessions::offer(const PublisherOffer& req) {
    using R = Result<std::string, ClientError>;
    auto f = find(req.client_id, true);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = **f;
    auto parsed = sdp::parse(req.sdp);
    if (!parsed) {
        return R{unexpected(ClientError{"bad_request", parsed.error()})};
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
        return R{unexpected(ClientError{"bad_request", remote.error()})};
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
            level_ext = level_ext != 0 || s.kind != MediaKind::Audio
                            ? level_ext
                            : extension_id(s, kAudioLevelUri);
            cvo_ext = cvo_ext != 0 || s.kind != MediaKind::Video
                          ? cvo_ext
                          : extension_id(s, kVideoOrientationUri);
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
            return R{unexpected(
                ClientError{"bad_request", "a renegotiation may not change the DTLS fingerprint"})};
        }
        if (remote->ice_ufrag != c.remote_ufrag && !restart_ice(c)) {
            return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
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
            log_.info("publisher section rejected",
                      {{"client", c.id}, {"mid", s.mid}, {"why", s.reject_reason}});
            continue;
        }
        if (s.kind == MediaKind::Application) {
            c.app_mid = s.mid;
            continue;
        }
        bool kept = false;
        for (std::size_t k = 0; k < old_sections.size(); ++k) {
            if (old_sections[k].mid == s.mid && old_sections[k].ssrc == s.ssrc &&
                old_sections[k].rids == s.rids && old_sections[k].sim_ssrcs == s.sim_ssrcs) {
                c.sections.push_back(old_sections[k]);
                c.tracks.push_back(old_tracks[k]);
                kept = true;
                break;
            }
        }
        if (kept) {
            continue;
        }
        const uint32_t track = ids_.next_track++;
        // One publication per layer: rids are listed best first, SIM SSRCs lowest first;
        // layer 0 is the lowest.
        const auto layers = static_cast<std::size_t>(layer_count(s));
        for (std::size_t i = 0; i < layers; ++i) {
            shm::SfuPublicationCmd p{};
            p.generation = generation_;
            p.id = c.transport;
            p.ssrc = s.sim_ssrcs.empty() ? s.ssrc : s.sim_ssrcs[i];
            p.track = track;
            p.layer = static_cast<int32_t>(s.sim_ssrcs.empty() ? layers - 1 - i : i);
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
            if (!command(c.worker, p)) {
                return R{
                    unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
            }
        }
        c.sections.push_back(s);
        c.tracks.push_back(track);
    }
    if (c.sections.empty() && c.app_mid.empty()) {
        return R{unexpected(ClientError{
            "bad_request", "the offer has no audio, video or data channel tern can receive"})};
    }
    ++n_.offers;
    ++c.sdp_version;
    if (!renegotiation) {
        start_dtls(c, remote->fingerprint);
    }
    save();
    return R{write_answer(*remote, local_params(c))};
}

std::vector<PublishedStream> MediaSessions::publisher_streams(const std::string& id) const {
    std::vector<PublishedStream> streams;
    auto it = clients_.find(id);
    if (it == clients_.end() || !it->second->publisher) {
        return streams;
    }
    int index = 0;
    for (const auto& s : it->second->sections) {
        streams.push_back(PublishedStream{s.mid, index++, s.kind == MediaKind::Audio, s.codec.name,
                                          layer_count(s) > 1});
    }
    return streams;
}

}  // namespace tern::cp
