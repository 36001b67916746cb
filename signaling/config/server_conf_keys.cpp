#include "signaling/config/server_conf_keys.hpp"

#include <array>

namespace tern::sig {

namespace {

struct Key {
    std::string_view section;
    std::string_view key;  // "*": any key (the section's keys are data, like geoip-overrides)
    KeyUse use;
};

constexpr KeyUse U = KeyUse::Used;
constexpr KeyUse E = KeyUse::UsedWithEnv;
constexpr KeyUse N = KeyUse::NotUsed;

constexpr auto kKeys = std::to_array<Key>({
    {"http", "listen", E},
    {"http", "readtimeout", U},
    {"http", "writetimeout", U},
    {"https", "listen", E},
    {"https", "readtimeout", U},
    {"https", "writetimeout", U},
    {"https", "certificate", U},
    {"https", "key", U},
    {"app", "debug", U},
    {"app", "trustedproxies", U},
    {"app", "allowsubscribeany", N},
    {"sessions", "hashkey", E},
    {"sessions", "blockkey", E},
    {"clients", "internalsecret", E},
    {"backend", "backends", U},
    {"backend", "allowall", U},
    {"backend", "secret", E},
    {"backend", "timeout", U},
    {"backend", "connectionsperhost", U},
    {"backend", "skipverify", U},
    {"backend", "backendtype", U},  // read to refuse etcd
    {"backend", "backendprefix", N},
    // The old form: hosts sharing [backend] secret, with these limits.
    {"backend", "allowed", U},
    {"backend", "allowhttp", U},
    {"backend", "sessionlimit", U},
    {"backend", "maxstreambitrate", U},
    {"backend", "maxscreenbitrate", U},
    {"nats", "url", E},
    {"mcu", "type", U},
    {"mcu", "url", E},
    {"mcu", "token_id", U},
    {"mcu", "token_key", U},
    {"mcu", "maxstreambitrate", U},
    {"mcu", "maxscreenbitrate", U},
    {"mcu", "proxytimeout", U},
    {"mcu", "skipverify", U},
    {"mcu", "urltype", U},  // read to refuse etcd
    {"mcu", "timeout", N},
    {"mcu", "dnsdiscovery", N},
    {"mcu", "keyprefix", N},
    {"mcu", "allowedcandidates", N},
    {"mcu", "blockedcandidates", N},
    // Old releases kept the etcd client's settings in [mcu].
    {"mcu", "endpoints", N},
    {"mcu", "discoverysrv", N},
    {"mcu", "discoveryservice", N},
    {"mcu", "clientkey", N},
    {"mcu", "clientcert", N},
    {"mcu", "cacert", N},
    {"turn", "apikey", E},
    {"turn", "secret", E},
    {"turn", "servers", U},
    {"stats", "allowed_ips", U},
    {"tern", "threads", U},
    {"tern", "node_id", U},
    {"tern", "send_queue_bytes", U},
    {"tern", "max_sessions", U},
    {"federation", "skipverify", N},
    {"federation", "timeout", N},
    {"geoip", "license", N},
    {"geoip", "url", N},
    {"geoip-overrides", "*", N},
    {"continent-overrides", "*", N},
    {"etcd", "endpoints", N},
    {"etcd", "discoverysrv", N},
    {"etcd", "discoveryservice", N},
    {"etcd", "clientkey", N},
    {"etcd", "clientcert", N},
    {"etcd", "cacert", N},
    {"etcd", "loglevel", N},
    {"grpc", "listen", N},
    {"grpc", "servercertificate", N},
    {"grpc", "serverkey", N},
    {"grpc", "serverca", N},
    {"grpc", "clientcertificate", N},
    {"grpc", "clientkey", N},
    {"grpc", "clientca", N},
    {"grpc", "targettype", N},
    {"grpc", "targets", N},
    {"grpc", "dnsdiscovery", N},
    {"grpc", "targetprefix", N},
});

constexpr auto kBackendKeys = std::to_array<Key>({
    {"", "url", E},
    {"", "urls", E},
    {"", "secret", E},
    {"", "sessionlimit", U},
    {"", "maxstreambitrate", U},
    {"", "maxscreenbitrate", U},
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
