#include "signaling/hub/features.hpp"

#include <algorithm>
#include <array>

namespace tern::sig {

namespace {

// Every client sees these, whatever the configuration.
constexpr std::array<std::string_view, 13> kCommon{
    "chat-relay", "dialout",       "federation",     "hello-v2",
    "incall-all", "join-features", "offer-codecs",   "recipient-call",
    "serverinfo", "switchto",      "transient-data", "transient-sessiondata",
    "welcome",
};
// Only with an SFU behind us: Talk's web client switches to MCU mode when it sees "mcu".
constexpr std::array<std::string_view, 3> kWithSfu{"mcu", "simulcast", "update-sdp"};
// Internal clients manage virtual sessions, and do not take part in publishing permissions.
constexpr std::string_view kInternalOnly = "virtual-sessions";
constexpr std::string_view kClientOnly = "audio-video-permissions";

bool has_sfu(const SignalingConfig& cfg) {
    return cfg.mcu.type == McuType::Proxy;
}

void add_common(const SignalingConfig& cfg, std::vector<std::string_view>& out) {
    out.insert(out.end(), kCommon.begin(), kCommon.end());
    if (has_sfu(cfg)) {
        out.insert(out.end(), kWithSfu.begin(), kWithSfu.end());
    }
}

}  // namespace

std::vector<std::string_view> server_features(const SignalingConfig& cfg, bool internal_client) {
    std::vector<std::string_view> out;
    add_common(cfg, out);
    out.push_back(internal_client ? kInternalOnly : kClientOnly);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string_view> welcome_features(const SignalingConfig& cfg) {
    std::vector<std::string_view> out;
    add_common(cfg, out);
    out.push_back(kInternalOnly);
    out.push_back(kClientOnly);
    std::sort(out.begin(), out.end());
    return out;
}

std::string features_header(const SignalingConfig& cfg) {
    std::string out;
    for (std::string_view f : welcome_features(cfg)) {
        if (!out.empty()) {
            out += ", ";
        }
        out += f;
    }
    return out;
}

}  // namespace tern::sig
