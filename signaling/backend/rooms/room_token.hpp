// The random names a room and its participants get: the room token (8 characters of [a-z0-9],
// the room's name in every URL and in the guest link), the numeric dial-in id a phone caller
// types, and the per-participant PIN. Digits for phones follow Talk's rules (sip-chat-push
// notes §1.3): no leading 0 (special on phone systems) and never the same digit twice in a row
// (some providers lose the second of two quick identical tones).
//
// Randomness comes from a RandomBytes function (the system's generator in production, a
// seeded one in tests); each character is drawn without bias by rejecting bytes beyond the
// largest multiple of the alphabet's size.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace tern::sig::backend {

/// Fills its argument with random bytes; throws std::runtime_error when it cannot.
using RandomBytes = std::function<void(std::span<unsigned char>)>;

/// OpenSSL's RAND_bytes.
RandomBytes system_random_bytes();

inline constexpr std::size_t kRoomTokenLen = 8;
inline constexpr std::size_t kDialInIdLen = 10;
inline constexpr std::size_t kPinLen = 7;

std::string make_room_token(const RandomBytes& random);
/// Whether `text` has a token's form (checked before any lookup).
bool is_room_token(std::string_view text) noexcept;

/// A phone-friendly number of `digits` digits (dial-in ids: kDialInIdLen; PINs: kPinLen).
std::string make_phone_digits(const RandomBytes& random, std::size_t digits);
/// Whether `text` is all digits, without a leading 0 or the same digit twice in a row, and
/// `min_len`..32 long (Talk's route accepts PINs of 7 to 32 digits).
bool is_phone_digits(std::string_view text, std::size_t min_len) noexcept;

}  // namespace tern::sig::backend
