// Which sections and keys a server.conf may hold: those tern-signaling reads, those only the
// reference server reads (accepted with a warning, so an operator can keep the file), and by
// omission the rest, which are typos and refused. Taken from the reference's server.conf.in and
// the options its code reads (nextcloud-spreed-signaling 0.4 to 2.x).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::sig {

enum class KeyUse : uint8_t {
    Used,         // tern-signaling reads it
    UsedWithEnv,  // read, and "$(VAR)" in it is replaced from the environment (as the reference)
    NotUsed,      // the reference server knows it; tern-signaling accepts and ignores it
};

/// A fixed section's key (not a backend's own section); nullopt: unknown.
std::optional<KeyUse> server_conf_key(std::string_view section, std::string_view key);

/// The sections server_conf_key knows (every other section must be a listed backend).
bool is_server_conf_section(std::string_view section);

/// A key of a backend's own section ([backend-id]); nullopt: unknown.
std::optional<KeyUse> backend_section_key(std::string_view key);

}  // namespace tern::sig
