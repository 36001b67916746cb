// SDP (RFC 8866) as WebRTC uses it (RFC 8829 JSEP): a session part and media sections, each a
// list of attributes. This is the syntax layer only; what the lines mean for a transport (ICE,
// DTLS, codecs, SSRCs, simulcast) is read by the control plane's negotiation code.
//
// Input comes from browsers through signaling and is untrusted: sizes are bounded, malformed
// lines give an error naming the line, nothing is assumed about order beyond RFC 8866 §5.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sdp {

inline constexpr std::size_t kMaxBytes = 256 * 1024;
inline constexpr std::size_t kMaxMedia = 256;

struct Attribute {
    std::string name;
    std::string value;  // after the first ':' (empty for a flag such as a=rtcp-mux)
};

struct Media {
    std::string kind;                  // audio, video, application
    uint16_t port = 0;                 // 0: rejected or disabled
    std::string proto;                 // UDP/TLS/RTP/SAVPF, UDP/DTLS/SCTP, ...
    std::vector<std::string> formats;  // payload types, or "webrtc-datachannel"
    std::vector<std::string>
        lines;  // c=, b= and other non-attribute lines, verbatim ("c=IN IP4 ...")
    std::vector<Attribute> attributes;

    /// The first value of attribute `name`, if present.
    [[nodiscard]] std::optional<std::string_view> attr(std::string_view name) const;
    /// Every value of attribute `name`, in order.
    [[nodiscard]] std::vector<std::string_view> attrs(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const { return attr(name).has_value(); }
};

struct Session {
    std::vector<std::string> lines;  // v=, o=, s=, t=, ... verbatim
    std::vector<Attribute> attributes;
    std::vector<Media> media;

    [[nodiscard]] std::optional<std::string_view> attr(std::string_view name) const;
};

/// Parses an SDP blob (CRLF or LF line ends).
Result<Session, std::string> parse(std::string_view text);

/// Splits `s` at `sep`, skipping empty pieces ("a b  c" -> a, b, c).
std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace tern::sdp
