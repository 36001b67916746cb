// turn-credentials [USER|- [TTL_S]]: a TURN REST API username and password
// (draft-uberti-behave-turn-rest, as coturn and Nextcloud use it) with the URIs of every address
// and transport the data plane serves.
#include "common/turn/credentials.hpp"
#include "controlplane/admin/verbs/verbs.hpp"

#include <cstdlib>

namespace tern::cp::verbs {

std::string turn_credentials(const Config& config, const AdminRequest& req, uint64_t now_unix_s) {
    using nlohmann::json;
    const auto& args = req.args;
    const TurnConfig& t = config.dataplane.turn;
    if (t.secrets.empty()) {
        return admin_error(
            "no TURN REST secret configured (dataplane.turn.secrets or secret_file)");
    }
    const std::string user = args.size() > 1 && args[1] != "-" ? args[1] : "";
    uint64_t ttl = 86400;
    if (args.size() > 2) {
        ttl = std::strtoull(args[2].c_str(), nullptr, 10);
        if (ttl == 0 || ttl > 365ULL * 86400) {
            return admin_error("ttl must be 1 s to 365 days");
        }
    }
    const std::string username = turn::rest_username(now_unix_s + ttl, user);
    const uint16_t stun_port = config.dataplane.services.stun_port;
    json uris = json::array();
    for (const PortConfig& p : config.dataplane.ports) {
        if (p.ipv4) {
            uris.push_back("turn:" + p.ipv4->addr.to_string() + ":" + std::to_string(stun_port) +
                           "?transport=udp");
        }
        if (p.ipv6) {
            uris.push_back("turn:[" + p.ipv6->addr.to_string() + "]:" + std::to_string(stun_port) +
                           "?transport=udp");
        }
        std::vector<std::string> hosts;
        if (p.ipv4) {
            hosts.push_back(p.ipv4->addr.to_string());
        }
        if (p.ipv6) {
            hosts.push_back("[" + p.ipv6->addr.to_string() + "]");
        }
        for (const std::string& h : hosts) {
            for (uint16_t port : t.tcp_ports) {
                uris.push_back("turn:" + h + ":" + std::to_string(port) + "?transport=tcp");
            }
            for (uint16_t port : t.tls_ports) {
                uris.push_back("turns:" + h + ":" + std::to_string(port) + "?transport=tcp");
            }
        }
    }
    return json{{"username", username},
                {"password", turn::rest_password(t.secrets.front(), username)},
                {"ttl", ttl},
                {"realm", t.realm},
                {"uris", uris}}
        .dump();
}

}  // namespace tern::cp::verbs
