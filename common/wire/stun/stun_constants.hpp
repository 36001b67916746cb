// STUN (RFC 8489) and TURN (RFC 8656) numbers.
#pragma once

#include <cstdint>

namespace tern::wire::stun {

inline constexpr uint32_t kMagicCookie = 0x2112a442;
inline constexpr std::size_t kHeaderLen = 20;
inline constexpr uint32_t kFingerprintXor = 0x5354554e;  // "STUN", RFC 8489 §14.7

enum class Class : uint8_t { Request = 0, Indication = 1, Success = 2, Error = 3 };

namespace method {
inline constexpr uint16_t kBinding = 0x001;
inline constexpr uint16_t kAllocate = 0x003;
inline constexpr uint16_t kRefresh = 0x004;
inline constexpr uint16_t kSend = 0x006;
inline constexpr uint16_t kData = 0x007;
inline constexpr uint16_t kCreatePermission = 0x008;
inline constexpr uint16_t kChannelBind = 0x009;
}  // namespace method

namespace attr {
inline constexpr uint16_t kMappedAddress = 0x0001;
inline constexpr uint16_t kUsername = 0x0006;
inline constexpr uint16_t kMessageIntegrity = 0x0008;
inline constexpr uint16_t kErrorCode = 0x0009;
inline constexpr uint16_t kUnknownAttributes = 0x000a;
inline constexpr uint16_t kChannelNumber = 0x000c;
inline constexpr uint16_t kLifetime = 0x000d;
inline constexpr uint16_t kXorPeerAddress = 0x0012;
inline constexpr uint16_t kData = 0x0013;
inline constexpr uint16_t kRealm = 0x0014;
inline constexpr uint16_t kNonce = 0x0015;
inline constexpr uint16_t kXorRelayedAddress = 0x0016;
inline constexpr uint16_t kRequestedAddressFamily = 0x0017;
inline constexpr uint16_t kEvenPort = 0x0018;
inline constexpr uint16_t kRequestedTransport = 0x0019;
inline constexpr uint16_t kDontFragment = 0x001a;
inline constexpr uint16_t kMessageIntegritySha256 = 0x001c;
inline constexpr uint16_t kPasswordAlgorithm = 0x001d;
inline constexpr uint16_t kUserhash = 0x001e;
inline constexpr uint16_t kXorMappedAddress = 0x0020;
inline constexpr uint16_t kReservationToken = 0x0022;
inline constexpr uint16_t kPriority = 0x0024;
inline constexpr uint16_t kUseCandidate = 0x0025;
inline constexpr uint16_t kAdditionalAddressFamily = 0x8000;
inline constexpr uint16_t kAddressErrorCode = 0x8001;
inline constexpr uint16_t kPasswordAlgorithms = 0x8002;
inline constexpr uint16_t kAlternateDomain = 0x8003;
inline constexpr uint16_t kIcmp = 0x8004;
inline constexpr uint16_t kSoftware = 0x8022;
inline constexpr uint16_t kAlternateServer = 0x8023;
inline constexpr uint16_t kFingerprint = 0x8028;
inline constexpr uint16_t kIceControlled = 0x8029;
inline constexpr uint16_t kIceControlling = 0x802a;
inline constexpr uint16_t kResponseOrigin = 0x802b;
inline constexpr uint16_t kOtherAddress = 0x802c;

/// Types 0x0000-0x7fff must be understood or the request refused (RFC 8489 §14).
constexpr bool is_comprehension_required(uint16_t type) {
    return type < 0x8000;
}
}  // namespace attr

namespace error {
inline constexpr uint16_t kTryAlternate = 300;
inline constexpr uint16_t kBadRequest = 400;
inline constexpr uint16_t kUnauthorized = 401;
inline constexpr uint16_t kForbidden = 403;
inline constexpr uint16_t kUnknownAttribute = 420;
inline constexpr uint16_t kAllocationMismatch = 437;
inline constexpr uint16_t kStaleNonce = 438;
inline constexpr uint16_t kAddressFamilyNotSupported = 440;
inline constexpr uint16_t kWrongCredentials = 441;
inline constexpr uint16_t kUnsupportedTransport = 442;
inline constexpr uint16_t kPeerAddressFamilyMismatch = 443;
inline constexpr uint16_t kAllocationQuotaReached = 486;
inline constexpr uint16_t kRoleConflict = 487;
inline constexpr uint16_t kServerError = 500;
inline constexpr uint16_t kInsufficientCapacity = 508;
}  // namespace error

/// The 14-bit message type: method bits M0-M11 interleaved with class bits C0, C1 (§5).
constexpr uint16_t message_type(uint16_t method, Class cls) {
    const auto c = static_cast<uint16_t>(cls);
    return static_cast<uint16_t>((method & 0x000f) | ((method & 0x0070) << 1) |
                                 ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
}
constexpr uint16_t method_of(uint16_t type) {
    return static_cast<uint16_t>((type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2));
}
constexpr Class class_of(uint16_t type) {
    return static_cast<Class>(((type >> 4) & 1) | ((type >> 7) & 2));
}

}  // namespace tern::wire::stun
