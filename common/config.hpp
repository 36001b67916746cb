// tern's configuration (etc/tern.conf, libconfig syntax): one immutable, validated struct.
// docs/configuration.md documents every key; keep the two in step.
#pragma once

#include "common/port_plan.hpp"  // the ports these settings lay out
#include "common/result.hpp"
#include "common/wire/addr.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tern {

struct PortConfig {
    std::string name;    // operator's name for the port ("wan")
    std::string device;  // a vdev spec ("net_af_packet0,iface=tern1") or a PCI address
    bool is_pci = false;
    uint16_t rx_queues = 1;
    uint16_t tx_queues = 1;
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    wire::MacAddr mac;  // zero = keep the device's own
    std::optional<wire::Prefix<wire::Ipv4Addr>> ipv4;
    std::optional<wire::Prefix<wire::Ipv6Addr>> ipv6;
    std::optional<wire::Ipv4Addr> gateway4;
    std::optional<wire::Ipv6Addr> gateway6;
    bool promiscuous = true;
};

struct ExceptionConfig {
    bool enabled = true;
    std::string iface = "tern_exc";   // kernel-side name of the net_tap interface
    bool configure_addresses = true;  // put the port's addresses on the kernel interface
    uint32_t poll_us = 50;  // how often a worker reads the kernel's side (each read is a syscall)
};

struct IdleConfig {
    bool backoff = true;
    uint32_t spin_polls = 100;    // empty polls before the first sleep
    uint32_t max_sleep_us = 100;  // back-off ceiling
};

struct NeighborConfig {
    uint32_t reachable_s = 300;  // entry lifetime after the last confirmation
    uint32_t retry_ms = 1000;    // between resolution attempts
    uint32_t max_entries = 4096;
};

struct ServicesConfig {
    uint16_t stun_port = 3478;
    std::string software = "tern";  // SOFTWARE attribute; empty = omit
    // The SFU's media port (ICE-lite, DTLS, SRTP): worker i serves media_port + i (PortPlan), so
    // a NIC can steer each transport's traffic to the lcore that owns it. 0 turns the SFU off.
    uint16_t media_port = 20000;
    // Optional: a UDP port of its own per SFU transport, from this range (sliced per worker
    // like the relay ports), for networks that filter by 5-tuple or want one flow per port.
    // 0/0 = off: every transport shares its worker's media port.
    uint16_t transport_port_min = 0;
    uint16_t transport_port_max = 0;
    // How these ports are shared among the workers: common/port_plan.hpp.
};

struct TurnUser {
    std::string name;
    std::string password;
};

/// TURN relay (RFC 8656) on the data plane; see docs/configuration.md and docs/turn.md.
struct TurnConfig {
    bool enabled = true;
    std::string realm = "tern";
    std::vector<std::string> secrets;  // TURN REST API shared secrets; the first one signs
    std::string secret_file;           // more secrets, one per line (kept out of the config)
    std::vector<TurnUser> users;       // static long-term users
    uint16_t relay_port_min = 49152;
    uint16_t relay_port_max = 65535;
    uint32_t max_allocations = 16384;  // per worker lcore
    uint32_t user_quota = 0;           // allocations per username; 0 = unlimited
    uint32_t default_lifetime_s = 600;
    uint32_t max_lifetime_s = 3600;
    uint32_t nonce_lifetime_s = 3600;
    uint64_t max_bps = 0;                    // per allocation and direction; 0 = unlimited
    uint32_t auth_failures_per_minute = 60;  // per client address before refusing
    std::vector<std::string> denied_peers;   // extra prefixes, "10.0.0.0/8"
    std::vector<std::string> allowed_peers;  // override the denials (tests, lab hosts)
    // TURN over TCP and TLS (RFC 8656 §3.1): the control plane listens on these ports of the
    // data plane's addresses (reached through the exception path). Empty lists turn them off.
    std::vector<uint16_t> tcp_ports{3478};
    std::vector<uint16_t> tls_ports;          // e.g. 5349, and 443 for restrictive firewalls
    std::string tls_certificate;              // PEM chain; required when tls_ports is not empty
    std::string tls_private_key;              // PEM
    uint32_t max_stream_connections = 16384;  // TCP + TLS clients at once
    bool rfc5766_channels = false;            // also bind channels 0x5000-0x7fff (RFC 5766 clients)
};

struct DataplaneConfig {
    std::vector<std::string> eal_args;  // extra EAL arguments (after tern's own)
    unsigned main_core = 0;
    std::vector<unsigned> worker_cores{1};
    uint32_t memory_mb = 256;
    bool in_memory = true;
    std::string file_prefix;  // used when in_memory is false
    std::string control_socket = "/run/tern/dataplane.sock";
    uint16_t burst = 32;
    uint32_t mbufs = 8191;
    uint32_t stats_interval_ms = 1000;
    std::vector<PortConfig> ports;
    ExceptionConfig exception;
    IdleConfig idle;
    NeighborConfig neighbors;
    ServicesConfig services;
    TurnConfig turn;
    /// The most one subscriber is sent of a camera / a screen share (the SFU's layer selection,
    /// docs/sfu.md); not keys of their own: copied from controlplane.proxy's camera_bitrate and
    /// screen_bitrate, which cap the publishers too.
    uint32_t camera_bitrate = 1'000'000;
    uint32_t screen_bitrate = 2'000'000;
};

/// The MCU proxy protocol endpoint (the SFU API of Nextcloud Talk's signaling server).
struct ProxyConfig {
    bool enabled = true;
    std::string listen = "127.0.0.1:9090";  // host:port, [v6]:port
    /// A network namespace to listen in (a path such as /proc/1/ns/net), when the control plane
    /// runs in another one (tools/tern up runs it in netns 'tern'); empty: its own.
    std::string listen_netns;
    /// wss:// as well (or instead: listen = ""), with this certificate chain and key (PEM).
    std::string tls_listen;
    std::string tls_certificate;
    std::string tls_private_key;
    struct Token {
        std::string id;          // the `iss` of the signaling server's tokens (its token_id)
        std::string public_key;  // PEM file of its RSA public key
    };
    std::vector<Token> tokens;
    uint32_t max_token_age_s = 300;
    uint32_t session_timeout_s = 60;      // a disconnected session may resume this long
    uint32_t camera_bitrate = 1'000'000;  // per stream, bit/s (publisher settings may ask less)
    uint32_t screen_bitrate = 2'000'000;
    /// A subscriber joins its publisher's worker while that worker sends fewer streams than
    /// this; otherwise the least loaded worker, which the publisher's worker relays the
    /// plaintext to (rooms larger than one lcore).
    uint32_t streams_per_lcore = 8000;
    std::vector<std::string> video_codecs{"VP8", "VP9", "H264", "AV1"};  // preference order
    std::string dtls_key = "ecdsa";  // ecdsa (P-256) or rsa (2048)
    /// Addresses announced as ICE candidates; empty: the data plane ports' own addresses.
    std::vector<std::string> public_addresses;
    std::string country;  // announced in hello (ISO 3166 alpha-2), optional
    /// Sessions, publishers and subscribers are saved here on every change, so a restarted
    /// control plane (even after kill -9) takes over established calls; empty: not saved.
    std::string state_file = "/run/tern/controlplane-state.json";
};

struct ControlplaneConfig {
    std::string admin_socket = "/run/tern/controlplane.sock";
    uint32_t reconnect_ms = 200;
    uint32_t ping_interval_ms = 1000;
    ProxyConfig proxy;
};

struct Config {
    DataplaneConfig dataplane;
    ControlplaneConfig controlplane;
    std::string path;  // where it was loaded from
};

/// Loads and validates; the error names the file, line or key and what is wrong.
Result<Config, std::string> load_config(const std::string& path);
Result<Config, std::string> parse_config(const std::string& text, const std::string& origin);

}  // namespace tern
