// The rules for what an administrator or a client may give as a user name, display name,
// app-password label or password. Each check returns the problem in words, or nothing.
//
// Names: 1 to 64 bytes of ASCII letters, digits and . _ @ - (the characters Nextcloud allows in
// user ids, minus space and apostrophe, which need quoting in URLs, mentions and shells), not
// starting with '.' or '-'; compared without regard to case (store.hpp). Display names: up to
// 255 bytes of UTF-8 without control characters. Labels: up to 128 bytes, same rule. Passwords:
// 8 to 1024 bytes (the upper bound keeps a request from making argon2 hash megabytes), any
// bytes but NUL, CR and LF (they cannot come through a line on stdin or most login forms).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::backend {

inline constexpr std::size_t kMaxUserNameLen = 64;
inline constexpr std::size_t kMaxDisplayNameLen = 255;
inline constexpr std::size_t kMaxLabelLen = 128;
inline constexpr std::size_t kMinPasswordLen = 8;
inline constexpr std::size_t kMaxPasswordLen = 1024;

std::optional<std::string> user_name_problem(std::string_view name);
std::optional<std::string> display_name_problem(std::string_view display_name);
std::optional<std::string> label_problem(std::string_view label);
std::optional<std::string> password_problem(std::string_view password);

}  // namespace tern::sig::backend
