// Reading tern-signaling's configuration: the reference server's server.conf (INI), or tern's
// own libconfig file with a `signaling` group (told apart by the file's content). Every error
// names the file, the line and the key.
#pragma once

#include "common/result.hpp"
#include "signaling/config/signaling_config.hpp"

#include <string>
#include <vector>

namespace tern::sig {

struct ConfigError {
    std::string file;
    int line = 0;     // 0 when the error is not tied to a line
    std::string key;  // "section.key", or "" for a syntax error
    std::string message;
    [[nodiscard]] std::string describe() const;  // "FILE:LINE: KEY: MESSAGE"
};

struct LoadedConfig {
    SignalingConfig config;
    /// Keys the reference server knows and tern does not use yet (grpc, etcd, geoip, ...):
    /// accepted, each reported once at start-up.
    std::vector<std::string> warnings;
};

Result<LoadedConfig, ConfigError> load_signaling_config(const std::string& path);

}  // namespace tern::sig
