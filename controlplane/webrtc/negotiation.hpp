// SDP offer/answer for the SFU (RFC 8829 JSEP, RFC 8843 BUNDLE, RFC 8445 ICE-lite, RFC 5763
// DTLS-SRTP, RFC 8853 simulcast).
//
// Publishers offer; tern answers recvonly with one codec per section, its ICE-lite credentials
// and host candidates, a=setup:passive (tern is the DTLS server) and the header extensions its
// data plane understands. Subscribers get an offer written by tern, sendonly, one section per
// forwarded track with the SSRC tern rewrites to, and answer it.
#pragma once

#include "common/result.hpp"
#include "common/sdp/sdp.hpp"
#include "common/wire/rtp.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::cp {

enum class MediaKind : uint8_t { Audio, Video, Application };

struct CodecChoice {
    uint8_t pt = 0;
    std::string name;  // as in a=rtpmap: "opus", "VP8", "H264"...
    uint32_t clock_hz = 0;
    uint8_t channels = 0;               // audio: 2 for opus
    std::string fmtp;                   // kept from the offer (or ours)
    std::vector<std::string> feedback;  // accepted a=rtcp-fb values ("nack", "nack pli", "ccm fir")
    /// The data plane's codec number (sfu::Codec: 0 opus, 1 VP8, 2 VP9, 3 H264, 4 AV1).
    uint8_t sfu_codec = 0;
    /// The offer's RTX payload type for it (a=fmtp:<rtx> apt=<pt>), 0 if none. tern answers
    /// publishers without RTX (it does not NACK them) and offers it to subscribers.
    uint8_t rtx_pt = 0;
};

struct Extension {
    uint8_t id = 0;
    std::string uri;
};

using wire::ext::kAbsCaptureTimeUri;
using wire::ext::kAudioLevelUri;
using wire::ext::kRtpStreamIdUri;
using wire::ext::kTransportCcUri;
using wire::ext::kVideoOrientationUri;

/// One m-section of a remote description, as tern understood it.
struct RemoteSection {
    std::string mid;
    MediaKind kind = MediaKind::Audio;
    bool accepted = false;      // tern takes part (otherwise the answer rejects it: port 0)
    std::string reject_reason;  // why not, when !accepted
    bool remote_sends = false;
    bool remote_receives = false;
    CodecChoice codec;
    std::vector<Extension> extensions;  // the ones tern accepts, with the remote's ids
    uint32_t ssrc = 0;                  // the primary SSRC the remote announced (0: none)
    uint32_t rtx_ssrc = 0;              // its FID partner
    std::vector<std::string> rids;      // send simulcast layers, highest quality first
    /// Simulcast by SSRC (a=ssrc-group:SIM, lowest resolution first, as Chromium sends what
    /// Talk's web client munges into its offer); empty for one layer or rids.
    std::vector<uint32_t> sim_ssrcs;
    std::string msid;        // "stream track"
    uint16_t sctp_port = 0;  // application sections
    uint32_t max_message_size = 0;
};

/// How many simulcast layers the section sends (1 without simulcast).
inline int layer_count(const RemoteSection& s) {
    return static_cast<int>(std::max<std::size_t>({1, s.rids.size(), s.sim_ssrcs.size()}));
}

/// The id `section` accepted for extension `uri`, 0 if none.
uint8_t extension_id(const RemoteSection& section, std::string_view uri);

struct RemoteDescription {
    std::string ice_ufrag;
    std::string ice_pwd;
    std::string fingerprint;  // "sha-256 AB:..."
    std::string setup;        // actpass, active, passive
    std::vector<RemoteSection> sections;
};

struct LocalCandidate {
    std::string address;  // IPv4 or IPv6, literal
    uint16_t port = 0;
};

struct LocalParams {
    std::string ice_ufrag;
    std::string ice_pwd;
    std::string fingerprint;  // DtlsIdentity::fingerprint()
    std::vector<LocalCandidate> candidates;
    uint64_t session_id = 0;
    uint64_t session_version = 1;
};

struct CodecPreferences {
    /// Video codecs in order of preference (names as in a=rtpmap, case-insensitive).
    std::vector<std::string> video{"VP8", "VP9", "H264", "AV1"};
    bool data_channels = false;  // accept m=application (needs the SCTP stack)
};

/// Reads a publisher's offer: credentials, fingerprint, and per section the codec and
/// extensions tern will use. Errors name what is missing (no ICE credentials, no fingerprint...).
Result<RemoteDescription, std::string> read_offer(const sdp::Session& offer,
                                                  const CodecPreferences& prefs);

/// The answer to a publisher's offer read by read_offer(). It keeps transport-cc (extension and
/// feedback) when offered: tern answers the publisher's packets with transport-cc feedback.
std::string write_answer(const RemoteDescription& offer, const LocalParams& local);

/// One track tern sends to a subscriber.
struct OutgoingTrack {
    std::string mid;
    MediaKind kind = MediaKind::Audio;
    CodecChoice codec;
    uint32_t ssrc = 0;      // what tern rewrites the publisher's SSRC to
    uint32_t rtx_ssrc = 0;  // its RTX stream (video, when codec.rtx_pt is set)
    std::string stream_id;
    std::string track_id;
};

/// tern's offer to a subscriber; `data_mid` non-empty adds a data channel section with that mid.
std::string write_subscriber_offer(const std::vector<OutgoingTrack>& tracks,
                                   const LocalParams& local, const std::string& data_mid = "");

/// Reads a subscriber's answer to write_subscriber_offer(): credentials, fingerprint, setup,
/// and per section whether it kept transport-cc (keeps_transport_cc()).
Result<RemoteDescription, std::string> read_answer(const sdp::Session& answer);

/// A subscriber's answered section kept transport-cc: the extension with the id tern offered
/// (wire::ext::kOutTransportCc) and the feedback. Its transport-cc feedback then comes, and the
/// data plane estimates the subscriber's bandwidth from it.
bool keeps_transport_cc(const RemoteSection& answered);

/// Parses one trickled candidate line ("candidate:..." with or without "a="), for logging and
/// validation; tern is ICE-lite and needs none of them.
bool valid_candidate(std::string_view line);

}  // namespace tern::cp
