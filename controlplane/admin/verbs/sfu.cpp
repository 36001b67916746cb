// sfu-transport, sfu-keys, sfu-publish, sfu-subscribe, sfu-publish-remote, sfu-relay, sfu-remove:
// SFU state installed by hand (ternctl sfu ...), as the proxy protocol does from SDP and DTLS.
// The integration tests and tern-loadgen drive the data plane's SFU this way.
#include "controlplane/admin/verbs/verbs.hpp"

#include <cstdlib>
#include <cstring>

namespace tern::cp::verbs {

namespace {

bool num(const std::string& v, uint64_t& out) {
    char* end = nullptr;
    out = std::strtoull(v.c_str(), &end, 0);
    return end != nullptr && *end == '\0' && !v.empty();
}

bool hex(const std::string& v, uint8_t* out, std::size_t n) {
    if (v.size() != 2 * n) {
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::string byte = v.substr(2 * i, 2);
        char* end = nullptr;
        out[i] = static_cast<uint8_t>(std::strtoul(byte.c_str(), &end, 16));
        if (*end != '\0') {
            return false;
        }
    }
    return true;
}

uint8_t codec_number(const std::string& codec) {
    return codec == "opus"   ? 0
           : codec == "vp8"  ? 1
           : codec == "vp9"  ? 2
           : codec == "h264" ? 3
           : codec == "av1"  ? 4
                             : 255;
}

}  // namespace

std::string sfu_command(CommandSink& sink, const SfuContext& ctx,
                        const std::vector<std::string>& a) {
    using nlohmann::json;
    const uint32_t workers = sink.workers();
    if (workers == 0) {
        return admin_error("no data plane attached");
    }
    if (!ctx.ports.sfu()) {
        return admin_error("the SFU is off (dataplane.services.media_port = 0)");
    }
    uint64_t id = 0;
    if (a.size() < 2 || !num(a[1], id)) {
        return admin_error("usage: sfu-COMMAND ID ...");
    }
    const uint64_t generation = ctx.generation;
    const auto worker = static_cast<uint32_t>(id % workers);
    bool sent = false;
    const std::string& cmd = a[0];
    if (cmd == "sfu-transport" && (a.size() == 4 || a.size() == 5) && a[2].size() <= 64 &&
        a[3].size() <= 128) {
        shm::SfuTransportCmd c{};
        uint64_t udp_port = 0;
        if (a.size() == 5 && (!num(a[4], udp_port) || udp_port > 65535)) {
            return admin_error("usage: sfu-transport ID UFRAG PWD [UDP_PORT]");
        }
        c.udp_port = static_cast<uint16_t>(udp_port);
        c.generation = generation;
        c.id = id;
        c.ufrag_len = static_cast<uint8_t>(a[2].size());
        c.pwd_len = static_cast<uint8_t>(a[3].size());
        std::memcpy(c.ufrag, a[2].data(), a[2].size());
        std::memcpy(c.pwd, a[3].data(), a[3].size());
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-keys" && a.size() == 7) {
        shm::SfuKeysCmd c{};
        c.generation = generation;
        c.id = id;
        const std::size_t key_len = a[2] == "aes128cm" || a[2] == "aes128gcm" ? 16 : 32;
        c.suite = a[2] == "aes128cm" ? 0 : a[2] == "aes128gcm" ? 1 : a[2] == "aes256gcm" ? 2 : 255;
        const std::size_t salt_len = c.suite == 0 ? 14 : 12;
        if (c.suite == 255 || !hex(a[3], c.rx_key, key_len) || !hex(a[4], c.rx_salt, salt_len) ||
            !hex(a[5], c.tx_key, key_len) || !hex(a[6], c.tx_salt, salt_len)) {
            return admin_error(
                "usage: sfu-keys ID aes128cm|aes128gcm|aes256gcm RXKEY RXSALT TXKEY TXSALT (hex)");
        }
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-publish" && a.size() >= 6) {
        shm::SfuPublicationCmd c{};
        uint64_t ssrc = 0, track = 0, layer = 0;
        const std::string& codec = a[5];
        c.codec = codec_number(codec);
        // The transport's header extension ids, NAME=ID (1-255), as its SDP would give them.
        bool ext_ok = true;
        for (std::size_t k = 6; k < a.size(); ++k) {
            const auto eq = a[k].find('=');
            uint64_t ext_id = 0;
            const std::string name = a[k].substr(0, eq);
            uint8_t* slot = name == "twcc"      ? &c.twcc_ext
                            : name == "level"   ? &c.level_ext
                            : name == "cvo"     ? &c.cvo_ext
                            : name == "capture" ? &c.capture_ext
                                                : nullptr;
            if (eq == std::string::npos || slot == nullptr || !num(a[k].substr(eq + 1), ext_id) ||
                ext_id == 0 || ext_id > 255) {
                ext_ok = false;
                break;
            }
            *slot = static_cast<uint8_t>(ext_id);
        }
        if (!num(a[2], ssrc) || !num(a[3], track) || !num(a[4], layer) || c.codec == 255 ||
            !ext_ok) {
            return admin_error("usage: sfu-publish ID SSRC TRACK LAYER opus|vp8|vp9|h264|av1 "
                               "[twcc=N level=N cvo=N capture=N]");
        }
        c.generation = generation;
        c.id = id;
        c.ssrc = static_cast<uint32_t>(ssrc);
        c.track = static_cast<uint32_t>(track);
        c.layer = static_cast<int32_t>(layer);
        c.clock_hz = codec == "opus" ? 48000 : 90000;
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-subscribe" && a.size() == 6) {
        shm::SfuSubscriptionCmd c{};
        uint64_t track = 0, ssrc = 0, pt = 0, layer = 0;
        if (!num(a[2], track) || !num(a[3], ssrc) || !num(a[4], pt) || pt > 127 ||
            !num(a[5], layer)) {
            return admin_error("usage: sfu-subscribe ID TRACK OUT_SSRC PT LAYER");
        }
        c.generation = generation;
        c.id = id;
        c.track = static_cast<uint32_t>(track);
        c.out_ssrc = static_cast<uint32_t>(ssrc);
        c.out_pt = static_cast<uint8_t>(pt);
        c.target_layer = static_cast<int32_t>(layer);
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-publish-remote" && a.size() == 6) {
        // sfu-publish-remote WORKER TRACK LAYER CODEC FROM_WORKER: relayed from another worker
        shm::SfuPublicationCmd c{};
        uint64_t track = 0, layer = 0, from = 0;
        const std::string& codec = a[4];
        c.codec = codec_number(codec);
        if (!num(a[2], track) || !num(a[3], layer) || c.codec == 255 || !num(a[5], from) ||
            from >= workers || id >= workers) {
            return admin_error(
                "usage: sfu-publish-remote WORKER TRACK LAYER opus|vp8|vp9|h264|av1 FROM_WORKER");
        }
        c.generation = generation;
        c.track = static_cast<uint32_t>(track);
        c.layer = static_cast<int32_t>(layer);
        c.clock_hz = codec == "opus" ? 48000 : 90000;
        c.from_worker = static_cast<uint8_t>(from + 1);
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-relay" && a.size() == 5 && (a[4] == "on" || a[4] == "off")) {
        // sfu-relay WORKER TRACK TO_WORKER on|off
        uint64_t track = 0, to = 0;
        if (!num(a[2], track) || !num(a[3], to) || to >= workers || id >= workers) {
            return admin_error("usage: sfu-relay WORKER TRACK TO_WORKER on|off");
        }
        shm::SfuRelayCmd c{};
        c.generation = generation;
        c.track = static_cast<uint32_t>(track);
        c.to_worker = static_cast<uint32_t>(to);
        c.on = a[4] == "on" ? 1 : 0;
        sent = sink.send(worker, c);
    } else if (cmd == "sfu-remove" && a.size() == 2) {
        sent = sink.send(worker, shm::SfuRemoveCmd{generation, id});
    } else {
        return admin_error("unknown or malformed SFU command '" + cmd + "'");
    }
    if (!sent) {
        return admin_error("the worker's command ring is full; retry");
    }
    // The worker's shared media port (a transport with a port of its own uses that one).
    return json{{"ok", true}, {"worker", worker}, {"media_port", ctx.ports.media_port(worker)}}
        .dump();
}

}  // namespace tern::cp::verbs
