// MediaSessions: subscribers. A subscriber is made on its publisher's worker (or, when that one
// is full, on another that the publisher's relays to), gets tern's offer with one subscription
// per track of its publisher, answers it, and picks its simulcast layer.
#include "common/shm/messages.hpp"
#include "controlplane/webrtc/media_sessions.hpp"
#include "controlplane/webrtc/random_ids.hpp"

#include <algorithm>

namespace tern::cp {

Result<Created, ClientError> MediaSessions::create_subscriber(const std::string& owner,
                                                              const CreateSubscriber& req) {
    using R = Result<Created, ClientError>;
    if (!attached_ || sink_.workers() == 0) {
        return R{unexpected(ClientError{"timeout", "no data plane attached"})};
    }
    auto it = clients_.find(req.publisher_id);
    if (it == clients_.end() || !it->second->publisher) {
        return R{unexpected(ClientError{"unknown_client", "no publisher " + req.publisher_id})};
    }
    const Client& pub = *it->second;
    if (!req.stream_type.empty() && req.stream_type != pub.stream_type) {
        return R{unexpected(ClientError{"bad_request", "publisher " + req.publisher_id +
                                                           " publishes " + pub.stream_type})};
    }
    auto c = new_client(owner);
    c->stream_type = pub.stream_type;
    c->sid = random_token(16);
    c->bitrate = pub.bitrate;
    c->publisher_id = req.publisher_id;
    auto added = add_client(std::move(c), place_subscriber(pub));
    if (!added) {
        return R{unexpected(added.error())};
    }
    const Client& s = **added;
    ++n_.subscribers_created;
    log_.info("subscriber created", {{"client", s.id},
                                     {"publisher", req.publisher_id},
                                     {"transport", s.transport},
                                     {"worker", s.worker},
                                     {"udp_port", s.udp_port}});
    save();
    return R{Created{s.id, s.bitrate, s.sid}};
}

Result<std::pair<MediaSessions::Client*, const MediaSessions::Client*>, ClientError>
MediaSessions::find_subscriber(const std::string& id) {
    using R = Result<std::pair<Client*, const Client*>, ClientError>;
    auto f = find(id, false);
    if (!f) {
        return R{unexpected(f.error())};
    }
    auto pit = clients_.find((*f)->publisher_id);
    if (pit == clients_.end()) {
        return R{unexpected(ClientError{"unknown_client", "the publisher is gone"})};
    }
    return R{std::make_pair(*f, static_cast<const Client*>(pit->second.get()))};
}

uint32_t MediaSessions::place_subscriber(const Client& pub) const {
    const uint32_t n = attached_ ? sink_.workers() : 1;
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
    return static_cast<uint32_t>(std::min_element(streams.begin(), streams.end()) -
                                 streams.begin());
}

bool MediaSessions::relay_track(const Client& sub, const Client& pub, std::size_t i) {
    const RemoteSection& s = pub.sections[i];
    const auto layers = static_cast<std::size_t>(layer_count(s));
    for (std::size_t layer = 0; layer < layers; ++layer) {
        shm::SfuPublicationCmd p{};
        p.generation = generation_;
        p.track = pub.tracks[i];
        p.layer = static_cast<int32_t>(layer);
        p.clock_hz = s.codec.clock_hz;
        p.codec = s.codec.sfu_codec;
        p.from_worker = static_cast<uint8_t>(pub.worker + 1);
        if (!command(sub.worker, p)) {
            return false;
        }
    }
    shm::SfuRelayCmd r{};
    r.generation = generation_;
    r.track = pub.tracks[i];
    r.to_worker = sub.worker;
    r.on = 1;
    return command(pub.worker, r);
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
        command(pub.worker, r);
    }
}

Result<std::string, ClientError> MediaSessions::request_offer(const RequestOffer& req) {
    using R = Result<std::string, ClientError>;
    auto f = find_subscriber(req.client_id);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = *f->first;
    const Client& pub = *f->second;
    if (pub.sections.empty() && pub.app_mid.empty()) {
        return R{
            unexpected(ClientError{"bad_request", "the publisher has not sent its offer yet"})};
    }
    c.app_mid = pub.app_mid;  // data channels reach subscribers under the publisher's mid
    if (c.dtls != nullptr || c.keys_sent) {
        // A new offer for a running subscriber: an ICE restart (new credentials), and the
        // publisher's tracks added since the last one.
        if (!restart_ice(c)) {
            return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
        }
        c.dtls_restartable = true;
    }
    c.answered = false;
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
        sc.screen = pub.stream_type == "screen" ? 1 : 0;
        if ((c.worker != pub.worker && !relay_track(c, pub, i)) || !command(c.worker, sc)) {
            return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
        }
        c.outgoing.push_back(std::move(t));
    }
    ++c.sdp_version;
    save();
    return R{write_subscriber_offer(c.outgoing, local_params(c), c.app_mid)};
}

Result<bool, ClientError> MediaSessions::answer(const SubscriberAnswer& req) {
    using R = Result<bool, ClientError>;
    auto f = find(req.client_id, false);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = **f;
    if (c.outgoing.empty()) {
        return R{unexpected(ClientError{
            "bad_request", "no offer was sent to this subscriber (requestoffer first)"})};
    }
    auto parsed = sdp::parse(req.sdp);
    if (!parsed) {
        return R{unexpected(ClientError{"bad_request", parsed.error()})};
    }
    auto remote = read_answer(*parsed);
    if (!remote) {
        return R{unexpected(ClientError{"bad_request", remote.error()})};
    }
    const bool new_certificate =
        !c.remote_fingerprint.empty() && remote->fingerprint != c.remote_fingerprint;
    if (new_certificate && !c.dtls_restartable) {
        return R{unexpected(
            ClientError{"bad_request", "a renegotiation may not change the DTLS fingerprint"})};
    }
    ++n_.answers;
    if (std::any_of(remote->sections.begin(), remote->sections.end(), keeps_transport_cc) &&
        !command(c.worker, shm::SfuTransportCcCmd{generation_, c.transport})) {
        return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
    }
    c.remote_ufrag = remote->ice_ufrag;
    c.remote_fingerprint = remote->fingerprint;
    c.answered = true;
    if (!c.dtls && !c.keys_sent) {
        start_dtls(c, remote->fingerprint);
    } else if (c.dtls_restartable && (new_certificate || !c.early.empty())) {
        // A new peer connection answered (a new certificate, or its handshake already came).
        restart_dtls(c, remote->fingerprint, 0);
    }
    save();
    return R{true};
}

Result<bool, ClientError> MediaSessions::select_stream(const SelectStream& req) {
    using R = Result<bool, ClientError>;
    auto f = find_subscriber(req.client_id);
    if (!f) {
        return R{unexpected(f.error())};
    }
    Client& c = *f->first;
    const Client& pub = *f->second;
    for (std::size_t i = 0; i < c.outgoing.size() && i < pub.sections.size(); ++i) {
        const RemoteSection& s = pub.sections[i];
        if (s.kind != MediaKind::Video) {
            continue;
        }
        int layer = default_layer(s);
        if (req.substream) {
            const int max = layer_count(s) - 1;
            layer = std::clamp(*req.substream, 0, max);
        }
        const shm::SfuLayerCmd cmd{generation_, c.transport, c.outgoing[i].ssrc,
                                   req.video ? layer : -1,
                                   req.temporal ? std::clamp(*req.temporal, 0, 3) : -1};
        if (!command(c.worker, cmd)) {
            return R{unexpected(ClientError{"timeout", "the data plane's command ring is full"})};
        }
    }
    return R{true};
}

}  // namespace tern::cp
