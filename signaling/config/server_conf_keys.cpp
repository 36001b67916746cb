#include "signaling/config/server_conf_keys.hpp"

#include <array>

namespace tern::sig {

namespace {

struct Key {
    std::string_view section;
    std::string_view key;  // "*": any key (the section's keys are data, like geoip-overrides)
    KeyUse use;
};

constexpr KeyUse kU = KeyUse::Used;
constexpr KeyUse kE = KeyUse::UsedWithEnv;
constexpr KeyUse kN = KeyUse::NotUsed;

constexpr auto kKeys = std::to_array<Key>({
    {"http", "listen", kE},
    {"http", "readtimeout", kU},
    {"http", "writetimeout", kU},
    {"https", "listen", kE},
    {"https", "readtimeout", kU},
    {"https", "writetimeout", kU},
    {"https", "certificate", kU},
    {"https", "key", kU},
    {"app", "debug", kU},
    {"app", "trustedproxies", kU},
    {"app", "allowsubscribeany", kN},
    {"sessions", "hashkey", kE},
    {"sessions", "blockkey", kE},
    {"clients", "internalsecret", kE},
    {"backend", "backends", kU},
    {"backend", "allowall", kU},
    {"backend", "secret", kE},
    {"backend", "timeout", kU},
    {"backend", "connectionsperhost", kU},
    {"backend", "skipverify", kU},
    {"backend", "backendtype", kU},  // read to refuse etcd
    {"backend", "backendprefix", kN},
    // The old form: hosts sharing [backend] secret, with these limits.
    {"backend", "allowed", kU},
    {"backend", "allowhttp", kU},
    {"backend", "sessionlimit", kU},
    {"backend", "maxstreambitrate", kU},
    {"backend", "maxscreenbitrate", kU},
    {"nats", "url", kE},
    {"mcu", "type", kU},
    {"mcu", "url", kE},
    {"mcu", "token_id", kU},
    {"mcu", "token_key", kU},
    {"mcu", "maxstreambitrate", kU},
    {"mcu", "maxscreenbitrate", kU},
    {"mcu", "proxytimeout", kU},
    {"mcu", "skipverify", kU},
    {"mcu", "urltype", kU},  // read to refuse etcd
    {"mcu", "timeout", kN},
    {"mcu", "dnsdiscovery", kN},
    {"mcu", "keyprefix", kN},
    {"mcu", "allowedcandidates", kN},
    {"mcu", "blockedcandidates", kN},
    // Old releases kept the etcd client's settings in [mcu].
    {"mcu", "endpoints", kN},
    {"mcu", "discoverysrv", kN},
    {"mcu", "discoveryservice", kN},
    {"mcu", "clientkey", kN},
    {"mcu", "clientcert", kN},
    {"mcu", "cacert", kN},
    {"turn", "apikey", kE},
    {"turn", "secret", kE},
    {"turn", "servers", kU},
    {"stats", "allowed_ips", kU},
    {"tern", "threads", kU},
    {"tern", "node_id", kU},
    {"tern", "send_queue_bytes", kU},
    {"tern", "max_sessions", kU},
    {"tern", "shutdown_grace_ms", kU},
    // tern's own per-address limits (the reference server has none and ignores the section).
    {"limits", "connections_per_ip", kU},
    {"limits", "hellos_per_second", kU},
    {"limits", "hello_burst", kU},
    {"limits", "tracked_addresses", kU},
    {"limits", "exempt", kU},
    {"federation", "skipverify", kN},
    {"federation", "timeout", kN},
    {"geoip", "license", kN},
    {"geoip", "url", kN},
    {"geoip-overrides", "*", kN},
    {"continent-overrides", "*", kN},
    {"etcd", "endpoints", kN},
    {"etcd", "discoverysrv", kN},
    {"etcd", "discoveryservice", kN},
    {"etcd", "clientkey", kN},
    {"etcd", "clientcert", kN},
    {"etcd", "cacert", kN},
    {"etcd", "loglevel", kN},
    {"grpc", "listen", kN},
    {"grpc", "servercertificate", kN},
    {"grpc", "serverkey", kN},
    {"grpc", "serverca", kN},
    {"grpc", "clientcertificate", kN},
    {"grpc", "clientkey", kN},
    {"grpc", "clientca", kN},
    {"grpc", "targettype", kN},
    {"grpc", "targets", kN},
    {"grpc", "dnsdiscovery", kN},
    {"grpc", "targetprefix", kN},
});

constexpr auto kBackendKeys = std::to_array<Key>({
    {"", "url", kE},
    {"", "urls", kE},
    {"", "secret", kE},
    {"", "sessionlimit", kU},
    {"", "maxstreambitrate", kU},
    {"", "maxscreenbitrate", kU},
});

}  // namespace

std::optional<KeyUse> server_conf_key(std::string_view section, std::string_view key) {
    for (const Key& k : kKeys) {
        if (k.section == section && (k.key == key || k.key == "*")) {
            return k.use;
        }
    }
    return std::nullopt;
}

bool is_server_conf_section(std::string_view section) {
    for (const Key& k : kKeys) {
        if (k.section == section) {
            return true;
        }
    }
    return false;
}

std::optional<KeyUse> backend_section_key(std::string_view key) {
    for (const Key& k : kBackendKeys) {
        if (k.key == key) {
            return k.use;
        }
    }
    return std::nullopt;
}

}  // namespace tern::sig
