// Why a wire parser refused its input. Each value maps to a drop counter on the data plane.
#pragma once

#include <cstdint>
#include <string_view>

namespace tern::wire {

enum class Error : uint8_t {
    Truncated,       // shorter than a header or a length field says
    BadVersion,      // IP version, ARP hardware/protocol type
    BadLength,       // a length field inconsistent with the buffer or the protocol
    BadChecksum,     // IPv4 header, UDP, ICMP checksum
    Fragment,        // IPv4/IPv6 fragment: recognised, not reassembled
    Unsupported,     // well-formed but not something we handle (ESP, unknown hardware)
    Malformed,       // violates a MUST of its RFC
    BadMagic,        // STUN magic cookie
    BadFingerprint,  // STUN FINGERPRINT mismatch
    BadIntegrity,    // STUN MESSAGE-INTEGRITY(-SHA256) mismatch
    NoSpace,         // builder: output buffer too small
};

constexpr std::string_view to_string(Error e) noexcept {
    switch (e) {
    case Error::Truncated: return "truncated";
    case Error::BadVersion: return "bad version";
    case Error::BadLength: return "bad length";
    case Error::BadChecksum: return "bad checksum";
    case Error::Fragment: return "fragment";
    case Error::Unsupported: return "unsupported";
    case Error::Malformed: return "malformed";
    case Error::BadMagic: return "bad magic cookie";
    case Error::BadFingerprint: return "bad fingerprint";
    case Error::BadIntegrity: return "bad message integrity";
    case Error::NoSpace: return "no space";
    }
    return "unknown";
}

}  // namespace tern::wire
