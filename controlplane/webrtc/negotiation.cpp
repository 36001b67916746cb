#include "controlplane/webrtc/negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>

namespace tern::cp {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

template <class T>
bool number(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

/// a=rtpmap:<pt> <name>/<clock>[/<channels>]
struct RtpMap {
    std::string name;
    uint32_t clock = 0;
    uint8_t channels = 0;
};

std::map<uint8_t, RtpMap> rtpmaps(const sdp::Media& m) {
    std::map<uint8_t, RtpMap> out;
    for (std::string_view v : m.attrs("rtpmap")) {
        const auto sp = v.find(' ');
        unsigned pt = 0;
        if (sp == std::string_view::npos || !number(v.substr(0, sp), pt) || pt > 127) {
            continue;
        }
        const auto parts = sdp::split(v.substr(sp + 1), '/');
        RtpMap r;
        if (parts.size() < 2 || !number(parts[1], r.clock)) {
            continue;
        }
        r.name = std::string(parts[0]);
        unsigned ch = 0;
        if (parts.size() > 2 && number(parts[2], ch) && ch < 256) {
            r.channels = static_cast<uint8_t>(ch);
        }
        out[static_cast<uint8_t>(pt)] = r;
    }
    return out;
}

/// The value of "a=<name>:<pt> <value>" for one payload type (fmtp, rtcp-fb), all of them.
std::vector<std::string> per_pt(const sdp::Media& m, std::string_view name, uint8_t pt) {
    std::vector<std::string> out;
    const std::string prefix = std::to_string(pt) + " ";
    for (std::string_view v : m.attrs(name)) {
        if (v.substr(0, prefix.size()) == prefix) {
            out.emplace_back(v.substr(prefix.size()));
        }
    }
    return out;
}

uint8_t sfu_codec_of(std::string_view name) {
    if (iequal(name, "opus")) {
        return 0;
    }
    if (iequal(name, "VP8")) {
        return 1;
    }
    if (iequal(name, "VP9")) {
        return 2;
    }
    if (iequal(name, "H264")) {
        return 3;
    }
    if (iequal(name, "AV1")) {
        return 4;
    }
    return 5;
}

/// Credentials and fingerprint may sit at session level or in each section (JSEP puts them in
/// each); the first one found wins.
std::string find_value(const sdp::Session& s, std::string_view name) {
    if (auto v = s.attr(name)) {
        return std::string(*v);
    }
    for (const auto& m : s.media) {
        if (auto v = m.attr(name)) {
            return std::string(*v);
        }
    }
    return {};
}

Result<RemoteDescription, std::string> read_transport(const sdp::Session& s) {
    using R = Result<RemoteDescription, std::string>;
    RemoteDescription d;
    d.ice_ufrag = find_value(s, "ice-ufrag");
    d.ice_pwd = find_value(s, "ice-pwd");
    d.fingerprint = find_value(s, "fingerprint");
    d.setup = find_value(s, "setup");
    if (d.ice_ufrag.empty() || d.ice_pwd.empty()) {
        return R{
            unexpected(std::string("the SDP has no ICE credentials (a=ice-ufrag, a=ice-pwd)"))};
    }
    if (d.ice_ufrag.size() > 255 || d.ice_pwd.size() > 255) {
        return R{unexpected(std::string("ICE credentials longer than 255 characters"))};
    }
    if (d.fingerprint.empty()) {
        return R{unexpected(std::string("the SDP has no DTLS fingerprint (a=fingerprint)"))};
    }
    return R{std::move(d)};
}

void direction(const sdp::Media& m, RemoteSection& r) {
    if (m.has("sendonly")) {
        r.remote_sends = true;
    } else if (m.has("recvonly")) {
        r.remote_receives = true;
    } else if (!m.has("inactive")) {
        r.remote_sends = r.remote_receives = true;
    }
}

void ssrcs(const sdp::Media& m, RemoteSection& r) {
    for (std::string_view g : m.attrs("ssrc-group")) {
        // SIM: simulcast by SSRC, lowest resolution first (what Chromium sends when the offer
        // is munged so, as Talk's web client does); at most four layers are taken.
        const auto parts = sdp::split(g, ' ');
        if (parts.size() >= 3 && parts.size() <= 5 && parts[0] == "SIM") {
            std::vector<uint32_t> layers;
            for (std::size_t i = 1; i < parts.size(); ++i) {
                uint32_t v = 0;
                if (!number(parts[i], v) || v == 0 ||
                    std::find(layers.begin(), layers.end(), v) != layers.end()) {
                    layers.clear();
                    break;
                }
                layers.push_back(v);
            }
            r.sim_ssrcs = std::move(layers);
            break;
        }
    }
    for (std::string_view g : m.attrs("ssrc-group")) {
        const auto parts = sdp::split(g, ' ');
        if (parts.size() == 3 && parts[0] == "FID") {
            uint32_t media = 0;
            number(parts[1], media);
            if (!r.sim_ssrcs.empty() && media != r.sim_ssrcs[0]) {
                continue;  // another layer's RTX
            }
            r.ssrc = media;
            number(parts[2], r.rtx_ssrc);
            return;
        }
    }
    if (!r.sim_ssrcs.empty()) {
        r.ssrc = r.sim_ssrcs[0];
        return;
    }
    for (std::string_view v : m.attrs("ssrc")) {
        const auto sp = v.find(' ');
        if (number(v.substr(0, sp), r.ssrc)) {
            return;
        }
    }
}

void simulcast(const sdp::Media& m, RemoteSection& r) {
    std::vector<std::string> send_rids;
    for (std::string_view v : m.attrs("rid")) {
        const auto parts = sdp::split(v, ' ');
        if (parts.size() >= 2 && parts[1] == "send") {
            send_rids.emplace_back(parts[0]);
        }
    }
    if (auto sc = m.attr("simulcast"); sc && sc->substr(0, 5) == "send ") {
        // "send h;m;l" (alternatives "a,b" keep their first).
        for (std::string_view alt : sdp::split(sc->substr(5), ';')) {
            std::string_view rid = alt.substr(0, alt.find(','));
            if (!rid.empty() && rid[0] == '~') {
                continue;  // paused
            }
            if (std::find(send_rids.begin(), send_rids.end(), rid) != send_rids.end()) {
                r.rids.emplace_back(rid);
            }
        }
    }
    // The rids are taken best first, as the offer lists them; but when every one is a name of
    // a quality (h/m/l, f/h/q: what Talk, Janus and most SDKs call them) that order wins, so
    // a client listing them lowest first (l;m;h) still gets layer 0 = its lowest.
    auto rank = [&](std::string_view rid) {
        const bool fhq = std::find(r.rids.begin(), r.rids.end(), "f") != r.rids.end() ||
                         std::find(r.rids.begin(), r.rids.end(), "q") != r.rids.end();
        constexpr std::string_view kHml[] = {"h", "m", "l"};
        constexpr std::string_view kFhq[] = {"f", "h", "q"};
        const auto& names = fhq ? kFhq : kHml;
        for (int i = 0; i < 3; ++i) {
            if (rid == names[i]) {
                return i;
            }
        }
        return -1;
    };
    if (r.rids.size() >= 2 && std::all_of(r.rids.begin(), r.rids.end(),
                                          [&](const std::string& x) { return rank(x) >= 0; })) {
        std::stable_sort(r.rids.begin(), r.rids.end(),
                         [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    }
}

void candidate_lines(std::ostringstream& o, const LocalParams& l) {
    uint32_t local_pref = 65535;
    int foundation = 1;
    for (const auto& c : l.candidates) {
        const uint32_t priority = (126U << 24) | (local_pref << 8) | 255U;
        o << "a=candidate:" << foundation++ << " 1 udp " << priority << ' ' << c.address << ' '
          << c.port << " typ host\r\n";
        --local_pref;
    }
    o << "a=end-of-candidates\r\n";
}

void transport_lines(std::ostringstream& o, const LocalParams& l, std::string_view setup) {
    o << "a=ice-ufrag:" << l.ice_ufrag << "\r\n"
      << "a=ice-pwd:" << l.ice_pwd << "\r\n"
      << "a=fingerprint:" << l.fingerprint << "\r\n"
      << "a=setup:" << setup << "\r\n";
}

/// The codec's lines with the feedback the publisher offered (transport-cc included: tern sends
/// it to publishers and reads it from subscribers).
void codec_lines(std::ostringstream& o, const CodecChoice& c) {
    o << "a=rtpmap:" << unsigned{c.pt} << ' ' << c.name << '/' << c.clock_hz;
    if (c.channels != 0) {
        o << '/' << unsigned{c.channels};
    }
    o << "\r\n";
    if (!c.fmtp.empty()) {
        o << "a=fmtp:" << unsigned{c.pt} << ' ' << c.fmtp << "\r\n";
    }
    for (const auto& fb : c.feedback) {
        o << "a=rtcp-fb:" << unsigned{c.pt} << ' ' << fb << "\r\n";
    }
}

/// The session part every SDP of tern starts with (tern is ICE-lite, RFC 8445 §2.5).
void session_lines(std::ostringstream& o, const LocalParams& l) {
    o << "v=0\r\n"
      << "o=tern " << l.session_id << ' ' << l.session_version << " IN IP4 0.0.0.0\r\n"
      << "s=-\r\n"
      << "t=0 0\r\n"
      << "a=ice-lite\r\n";
}

std::string_view kind_name(MediaKind k) {
    return k == MediaKind::Audio ? "audio" : k == MediaKind::Video ? "video" : "application";
}

}  // namespace

uint8_t extension_id(const RemoteSection& section, std::string_view uri) {
    for (const auto& e : section.extensions) {
        if (e.uri == uri) {
            return e.id;
        }
    }
    return 0;
}

Result<RemoteDescription, std::string> read_offer(const sdp::Session& offer,
                                                  const CodecPreferences& prefs) {
    using R = Result<RemoteDescription, std::string>;
    auto d = read_transport(offer);
    if (!d) {
        return d;
    }
    if (!d->setup.empty() && d->setup != "actpass" && d->setup != "active") {
        return R{unexpected("the offer's a=setup:" + d->setup +
                            " would make tern the DTLS client; use actpass")};
    }
    for (const auto& m : offer.media) {
        RemoteSection r;
        auto mid = m.attr("mid");
        if (!mid || mid->empty()) {
            return R{unexpected(
                std::string("an m-section without a=mid (tern needs Unified Plan with BUNDLE)"))};
        }
        r.mid = std::string(*mid);
        r.kind = m.kind == "audio"   ? MediaKind::Audio
                 : m.kind == "video" ? MediaKind::Video
                                     : MediaKind::Application;
        direction(m, r);
        if (m.port == 0) {
            r.reject_reason = "disabled in the offer";
            d->sections.push_back(std::move(r));
            continue;
        }
        if (r.kind == MediaKind::Application) {
            if (m.kind != "application" || m.proto.find("SCTP") == std::string::npos) {
                r.reject_reason = "unknown media kind '" + m.kind + "'";
            } else if (!prefs.data_channels) {
                r.reject_reason = "data channels are not enabled";
            } else {
                r.accepted = true;
                number(m.attr("sctp-port").value_or("5000"), r.sctp_port);
                number(m.attr("max-message-size").value_or("65536"), r.max_message_size);
            }
            d->sections.push_back(std::move(r));
            continue;
        }
        if (!r.remote_sends) {
            r.reject_reason = "a publisher's section must send";
            d->sections.push_back(std::move(r));
            continue;
        }
        if (m.proto.find("SAVPF") == std::string::npos) {
            r.reject_reason = "profile " + m.proto + " (tern needs UDP/TLS/RTP/SAVPF)";
            d->sections.push_back(std::move(r));
            continue;
        }
        const auto maps = rtpmaps(m);
        // Candidates in the offer's own order of payload types, by our preference of names.
        std::vector<std::string> wanted =
            r.kind == MediaKind::Audio ? std::vector<std::string>{"opus"} : prefs.video;
        bool found = false;
        for (const auto& name : wanted) {
            for (const auto& f : m.formats) {
                unsigned pt = 0;
                if (!number(std::string_view{f}, pt) || pt > 127) {
                    continue;
                }
                auto it = maps.find(static_cast<uint8_t>(pt));
                if (it == maps.end() || !iequal(it->second.name, name)) {
                    continue;
                }
                const auto fmtp = per_pt(m, "fmtp", static_cast<uint8_t>(pt));
                const std::string params = fmtp.empty() ? std::string() : fmtp[0];
                if (iequal(name, "H264") &&
                    params.find("packetization-mode=1") == std::string::npos) {
                    continue;  // single-NAL mode cannot carry real frames
                }
                r.codec.pt = static_cast<uint8_t>(pt);
                r.codec.name = it->second.name;
                r.codec.clock_hz = it->second.clock;
                r.codec.channels = it->second.channels;
                r.codec.fmtp = params;
                r.codec.sfu_codec = sfu_codec_of(name);
                for (const auto& fb : per_pt(m, "rtcp-fb", static_cast<uint8_t>(pt))) {
                    if ((r.kind == MediaKind::Video && (fb == "nack" || fb == "nack pli" ||
                                                        fb == "ccm fir" || fb == "goog-remb")) ||
                        fb == "transport-cc") {
                        r.codec.feedback.push_back(fb);
                    }
                }
                for (const auto& [rpt, map] : maps) {
                    if (iequal(map.name, "rtx")) {
                        for (const auto& f2 : per_pt(m, "fmtp", rpt)) {
                            if (f2 == "apt=" + std::to_string(pt)) {
                                r.codec.rtx_pt = rpt;
                            }
                        }
                    }
                }
                found = true;
                break;
            }
            if (found) {
                break;
            }
        }
        if (!found) {
            r.reject_reason = r.kind == MediaKind::Audio ? "no Opus in the offer"
                                                         : "no supported video codec in the offer";
            d->sections.push_back(std::move(r));
            continue;
        }
        simulcast(m, r);
        for (std::string_view v : m.attrs("extmap")) {
            const auto sp = v.find(' ');
            std::string_view id_part = v.substr(0, sp);
            id_part = id_part.substr(0, id_part.find('/'));
            unsigned id = 0;
            if (sp == std::string_view::npos || !number(id_part, id) || id == 0 || id > 255) {
                continue;
            }
            std::string_view uri = v.substr(sp + 1);
            uri = uri.substr(0, uri.find(' '));
            namespace x = wire::ext;
            const bool take = uri == x::kMidUri || uri == x::kTransportCcUri ||
                              uri == x::kAbsCaptureTimeUri ||
                              (r.kind == MediaKind::Audio && uri == x::kAudioLevelUri) ||
                              (r.kind == MediaKind::Video && uri == x::kVideoOrientationUri) ||
                              (!r.rids.empty() &&
                               (uri == x::kRtpStreamIdUri || uri == x::kRepairedRtpStreamIdUri));
            if (take) {
                r.extensions.push_back(Extension{static_cast<uint8_t>(id), std::string(uri)});
            }
        }
        ssrcs(m, r);
        if (r.ssrc == 0 && r.rids.empty()) {
            r.reject_reason = "the section announces no SSRC and no simulcast rids";
            d->sections.push_back(std::move(r));
            continue;
        }
        if (auto msid = m.attr("msid")) {
            r.msid = std::string(*msid);
        }
        r.accepted = true;
        d->sections.push_back(std::move(r));
    }
    return d;
}

std::string write_answer(const RemoteDescription& offer, const LocalParams& local) {
    std::ostringstream o;
    session_lines(o, local);
    std::string bundle;
    for (const auto& s : offer.sections) {
        if (s.accepted) {
            bundle += ' ' + s.mid;
        }
    }
    if (!bundle.empty()) {
        o << "a=group:BUNDLE" << bundle << "\r\n";
    }
    o << "a=msid-semantic: WMS *\r\n";
    for (const auto& s : offer.sections) {
        if (!s.accepted) {
            if (s.kind == MediaKind::Application) {
                o << "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";
            } else {
                o << "m=" << kind_name(s.kind) << " 0 UDP/TLS/RTP/SAVPF 0\r\n";
            }
            o << "c=IN IP4 0.0.0.0\r\n"
              << "a=mid:" << s.mid << "\r\n"
              << "a=inactive\r\n";
            continue;
        }
        if (s.kind == MediaKind::Application) {
            o << "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
              << "c=IN IP4 0.0.0.0\r\n"
              << "a=mid:" << s.mid << "\r\n";
            transport_lines(o, local, "passive");
            o << "a=sctp-port:5000\r\n"
              << "a=max-message-size:" << std::min<uint32_t>(s.max_message_size, 262144) << "\r\n";
            candidate_lines(o, local);
            continue;
        }
        o << "m=" << kind_name(s.kind) << " 9 UDP/TLS/RTP/SAVPF " << unsigned{s.codec.pt} << "\r\n"
          << "c=IN IP4 0.0.0.0\r\n"
          << "a=mid:" << s.mid << "\r\n";
        transport_lines(o, local, "passive");
        for (const auto& e : s.extensions) {
            o << "a=extmap:" << unsigned{e.id} << ' ' << e.uri << "\r\n";
        }
        o << "a=recvonly\r\n"
          << "a=rtcp-mux\r\n"
          << "a=rtcp-rsize\r\n";
        codec_lines(o, s.codec);
        if (!s.rids.empty()) {
            std::string list;
            for (const auto& rid : s.rids) {
                o << "a=rid:" << rid << " recv\r\n";
                list += (list.empty() ? "" : ";") + rid;
            }
            o << "a=simulcast:recv " << list << "\r\n";
        }
        candidate_lines(o, local);
    }
    return o.str();
}

std::string write_subscriber_offer(const std::vector<OutgoingTrack>& tracks,
                                   const LocalParams& local, const std::string& data_mid) {
    std::ostringstream o;
    session_lines(o, local);
    if (!tracks.empty() || !data_mid.empty()) {
        o << "a=group:BUNDLE";
        for (const auto& t : tracks) {
            o << ' ' << t.mid;
        }
        if (!data_mid.empty()) {
            o << ' ' << data_mid;
        }
        o << "\r\n";
    }
    o << "a=msid-semantic: WMS *\r\n";
    for (const auto& t : tracks) {
        const bool rtx = t.rtx_ssrc != 0 && t.codec.rtx_pt != 0;
        o << "m=" << kind_name(t.kind) << " 9 UDP/TLS/RTP/SAVPF " << unsigned{t.codec.pt};
        if (rtx) {
            o << ' ' << unsigned{t.codec.rtx_pt};
        }
        o << "\r\n"
          << "c=IN IP4 0.0.0.0\r\n"
          << "a=mid:" << t.mid << "\r\n";
        transport_lines(o, local, "actpass");
        // The ids the data plane writes (wire::ext): the publisher's audio level, video
        // orientation and capture time, and tern's own send time (receive-side estimation,
        // REMB) and transport-wide sequence number (its transport-cc feedback drives tern's
        // estimate of this subscriber's link) on this leg.
        namespace x = wire::ext;
        if (t.kind == MediaKind::Audio) {
            o << "a=extmap:" << unsigned{x::kOutAudioLevel} << ' ' << x::kAudioLevelUri << "\r\n";
        }
        o << "a=extmap:" << unsigned{x::kOutAbsSendTime} << ' ' << x::kAbsSendTimeUri << "\r\n";
        if (t.kind == MediaKind::Video) {
            o << "a=extmap:" << unsigned{x::kOutVideoOrientation} << ' ' << x::kVideoOrientationUri
              << "\r\n";
        }
        o << "a=extmap:" << unsigned{x::kOutAbsCaptureTime} << ' ' << x::kAbsCaptureTimeUri
          << "\r\n";
        o << "a=extmap:" << unsigned{x::kOutTransportCc} << ' ' << x::kTransportCcUri << "\r\n";
        o << "a=sendonly\r\n"
          << "a=msid:" << t.stream_id << ' ' << t.track_id << "\r\n"
          << "a=rtcp-mux\r\n"
          << "a=rtcp-rsize\r\n";
        codec_lines(o, t.codec);
        if (rtx) {
            o << "a=rtpmap:" << unsigned{t.codec.rtx_pt} << " rtx/" << t.codec.clock_hz << "\r\n"
              << "a=fmtp:" << unsigned{t.codec.rtx_pt} << " apt=" << unsigned{t.codec.pt} << "\r\n"
              << "a=ssrc-group:FID " << t.ssrc << ' ' << t.rtx_ssrc << "\r\n";
        }
        o << "a=ssrc:" << t.ssrc << " cname:" << t.stream_id << "\r\n"
          << "a=ssrc:" << t.ssrc << " msid:" << t.stream_id << ' ' << t.track_id << "\r\n";
        if (rtx) {
            o << "a=ssrc:" << t.rtx_ssrc << " cname:" << t.stream_id << "\r\n"
              << "a=ssrc:" << t.rtx_ssrc << " msid:" << t.stream_id << ' ' << t.track_id << "\r\n";
        }
        candidate_lines(o, local);
    }
    if (!data_mid.empty()) {
        o << "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
          << "c=IN IP4 0.0.0.0\r\n"
          << "a=mid:" << data_mid << "\r\n";
        transport_lines(o, local, "actpass");
        o << "a=sctp-port:5000\r\n"
          << "a=max-message-size:262144\r\n";
        candidate_lines(o, local);
    }
    return o.str();
}

Result<RemoteDescription, std::string> read_answer(const sdp::Session& answer) {
    using R = Result<RemoteDescription, std::string>;
    auto d = read_transport(answer);
    if (!d) {
        return d;
    }
    if (d->setup != "active") {
        return R{unexpected("the answer's a=setup:" + d->setup +
                            " would make tern the DTLS client; answer active")};
    }
    for (const auto& m : answer.media) {
        RemoteSection r;
        r.mid = std::string(m.attr("mid").value_or(""));
        r.kind = m.kind == "audio"   ? MediaKind::Audio
                 : m.kind == "video" ? MediaKind::Video
                                     : MediaKind::Application;
        direction(m, r);
        r.accepted = m.port != 0;
        // Whether it kept transport-cc: the extension with the id tern offered, and the
        // feedback for some payload type.
        for (std::string_view v : m.attrs("extmap")) {
            const auto sp = v.find(' ');
            if (sp != std::string_view::npos && v.substr(sp + 1) == wire::ext::kTransportCcUri &&
                v.substr(0, sp) == std::to_string(wire::ext::kOutTransportCc)) {
                r.extensions.push_back(
                    Extension{wire::ext::kOutTransportCc, std::string(wire::ext::kTransportCcUri)});
            }
        }
        for (std::string_view v : m.attrs("rtcp-fb")) {
            const auto sp = v.find(' ');
            if (sp != std::string_view::npos && v.substr(sp + 1) == "transport-cc") {
                r.codec.feedback.emplace_back("transport-cc");
                break;
            }
        }
        d->sections.push_back(std::move(r));
    }
    return d;
}

bool keeps_transport_cc(const RemoteSection& s) {
    return s.accepted && extension_id(s, kTransportCcUri) == wire::ext::kOutTransportCc &&
           std::find(s.codec.feedback.begin(), s.codec.feedback.end(), "transport-cc") !=
               s.codec.feedback.end();
}

bool valid_candidate(std::string_view line) {
    if (line.substr(0, 2) == "a=") {
        line.remove_prefix(2);
    }
    if (line.substr(0, 10) != "candidate:") {
        return false;
    }
    const auto parts = sdp::split(line.substr(10), ' ');
    unsigned port = 0;
    return parts.size() >= 8 && number(parts[5], port) && port <= 65535 && parts[6] == "typ";
}

}  // namespace tern::cp
