#include "controlplane/metrics/prometheus_text.hpp"

#include <array>
#include <string_view>

namespace tern::cp::metrics {

namespace {

using nlohmann::json;

/// One metric family: HELP and TYPE once, then its samples.
class Family {
public:
    Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
        : out_(out), name_(name) {
        out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    Family& sample(std::string_view labels, const json& value) {
        out_.append(name_);
        if (!labels.empty()) {
            out_.append("{").append(labels).append("}");
        }
        out_.append(" ").append(value.dump()).append("\n");
        return *this;
    }

private:
    std::string& out_;
    std::string name_;
};

/// A label value with `\`, `"` and newlines escaped as the format asks.
std::string label(std::string_view key, std::string_view value) {
    std::string s(key);
    s += "=\"";
    for (char c : value) {
        if (c == '\\' || c == '"') {
            s += '\\';
            s += c;
        } else if (c == '\n') {
            s += "\\n";
        } else {
            s += c;
        }
    }
    s += '"';
    return s;
}

/// `obj[key]` when `obj` is an object that has it, else null: a reference that outlives the
/// expression (json::value() returns a copy, and a range-for over a temporary's items() dangles).
const json& member(const json& obj, const char* key) {
    static const json kNull;
    if (!obj.is_object()) {
        return kNull;
    }
    const auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
}

bool is_number(const json& v) {
    return v.is_number() || v.is_boolean();
}

json number(const json& v) {
    return v.is_boolean() ? json(v.get<bool>() ? 1 : 0) : v;
}

/// A component's flat object: keys in `gauges` are gauges (a level now), every other number a
/// counter (`_total`). Nested objects and strings are not figures.
void component(std::string& out, std::string_view prefix, const json& obj,
               std::initializer_list<std::string_view> gauges, std::string_view what) {
    if (!obj.is_object()) {
        return;
    }
    for (const auto& [key, value] : obj.items()) {
        if (!is_number(value)) {
            continue;
        }
        bool gauge = false;
        for (std::string_view g : gauges) {
            gauge = gauge || g == key;
        }
        std::string name = std::string(prefix) + "_" + key;
        if (!gauge) {
            name += "_total";
        }
        const std::string help = std::string(what) + ": " + key;
        Family(out, name, gauge ? "gauge" : "counter", help).sample("", number(value));
    }
}

}  // namespace

std::string prometheus_text(const json& stats) {
    std::string out;
    out.reserve(16 * 1024);
    const json& dp = member(stats, "dataplane");
    Family(out, "tern_dataplane_up", "gauge",
           "1 while the control plane is attached to a running data plane")
        .sample("", member(dp, "connected") == true ? 1 : 0);
    if (dp.contains("uptime_s")) {
        Family(out, "tern_dataplane_uptime_seconds", "gauge", "the data plane's age")
            .sample("", dp["uptime_s"]);
    }
    if (dp.contains("workers")) {
        Family(out, "tern_dataplane_workers", "gauge", "worker lcores").sample("", dp["workers"]);
    }

    // Per worker lcore: every data plane counter, a family each, labelled by worker.
    const json& lcores = member(stats, "lcores");
    if (lcores.is_array() && !lcores.empty()) {
        for (const auto& [key, first] : member(lcores[0], "counters").items()) {
            (void)first;
            const std::string name = "tern_dataplane_" + key + "_total";
            Family f(out, name, "counter", "data plane counter " + key + ", per worker lcore");
            for (const json& l : lcores) {
                const json& v = member(member(l, "counters"), key.c_str());
                if (is_number(v)) {
                    f.sample(label("worker", std::to_string(l.value("worker", 0))), v);
                }
            }
        }
    }

    // Workers' health as the control plane sees it.
    const json& workers = member(stats, "workers");
    if (workers.is_array() && !workers.empty()) {
        Family up(out, "tern_dataplane_worker_responding", "gauge",
                  "1 while the worker answers the control plane's pings");
        for (const json& w : workers) {
            up.sample(label("worker", std::to_string(w.value("worker", 0))),
                      w.value("responding", false) ? 1 : 0);
        }
        Family rtt(out, "tern_dataplane_worker_ping_rtt_seconds", "gauge",
                   "the last ping's round trip through the control channel");
        for (const json& w : workers) {
            rtt.sample(label("worker", std::to_string(w.value("worker", 0))),
                       static_cast<double>(w.value("ping_rtt_us", uint64_t{0})) / 1e6);
        }
    }

    // Per port: the NIC's own counters, then per (port, queue) the workers' software counters.
    const json& ports = member(stats, "ports");
    if (ports.is_array() && !ports.empty()) {
        for (const auto& [key, first] : member(ports[0], "hw").items()) {
            (void)first;
            Family f(out, "tern_port_" + key + "_total", "counter",
                     "the port's hardware counter " + key);
            for (const json& p : ports) {
                const json& v = member(member(p, "hw"), key.c_str());
                if (is_number(v)) {
                    f.sample(label("port", p.value("name", "")), v);
                }
            }
        }
        static constexpr std::array<std::string_view, 5> kQueue{
            "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_dropped"};
        for (std::string_view key : kQueue) {
            Family f(out, "tern_port_queue_" + std::string(key) + "_total", "counter",
                     "per port and queue (one queue per worker): " + std::string(key));
            for (const json& p : ports) {
                for (const json& q : member(p, "queues")) {
                    const json& v = member(q, std::string(key).c_str());
                    if (is_number(v)) {
                        f.sample(label("port", p.value("name", "")) + "," +
                                     label("queue", std::to_string(q.value("queue", 0))),
                                 v);
                    }
                }
            }
        }
    }

    component(out, "tern_proxy", member(stats, "proxy"), {"sessions", "connected"},
              "the MCU proxy protocol");
    component(out, "tern_media", member(stats, "sfu_sessions"),
              {"publishers", "subscribers", "dtls_connected_now"},
              "WebRTC publishers and subscribers");
    component(out, "tern_turn_stream", member(stats, "turn_streams"), {"open"},
              "TURN over TCP and TLS");
    return out;
}

}  // namespace tern::cp::metrics
