#include "controlplane/metrics/prometheus_text.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using nlohmann::json;
using tern::cp::metrics::prometheus_text;

namespace {

json sample_stats() {
    return json::parse(R"({
      "controlplane": {"pid": 7, "attaches": 1, "generation": 3},
      "dataplane": {"connected": true, "pid": 9, "instance_id": "42", "workers": 2, "ports": 1,
                    "tsc_hz": 2000000000, "uptime_s": 12},
      "workers": [{"worker": 0, "responding": true, "ping_rtt_us": 250, "pongs": 5},
                  {"worker": 1, "responding": false, "ping_rtt_us": 0, "pongs": 0}],
      "proxy": {"listen": "127.0.0.1:9090", "sessions": 2, "connected": 1, "hellos": 5},
      "sfu_sessions": {"publishers": 3, "subscribers": 4, "offers": 9},
      "turn_streams": {"listeners": [{"port": 3478, "transport": "tcp"}], "open": 1,
                       "accepted": 6},
      "lcores": [{"worker": 0, "counters": {"rx_packets": 10, "sfu_rtp_out": 20}},
                 {"worker": 1, "counters": {"rx_packets": 11, "sfu_rtp_out": 21}}],
      "ports": [{"name": "eth\"0", "hw": {"ipackets": 100, "imissed": 1},
                 "queues": [{"queue": 0, "rx_packets": 4, "rx_bytes": 400, "tx_packets": 5,
                             "tx_bytes": 500, "tx_dropped": 0},
                            {"queue": 1, "rx_packets": 6, "rx_bytes": 600, "tx_packets": 7,
                             "tx_bytes": 700, "tx_dropped": 2}]}]
    })");
}

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("metrics: data plane counters per worker, one family each") {
    const std::string t = prometheus_text(sample_stats());
    CHECK(has_line(t, "# TYPE tern_dataplane_rx_packets_total counter"));
    CHECK(has_line(t, "tern_dataplane_rx_packets_total{worker=\"0\"} 10"));
    CHECK(has_line(t, "tern_dataplane_rx_packets_total{worker=\"1\"} 11"));
    CHECK(has_line(t, "tern_dataplane_sfu_rtp_out_total{worker=\"1\"} 21"));
    CHECK(has_line(t, "tern_dataplane_up 1"));
    CHECK(has_line(t, "tern_dataplane_uptime_seconds 12"));
    // One HELP and one TYPE per family, however many workers.
    CHECK(t.find("# TYPE tern_dataplane_rx_packets_total") ==
          t.rfind("# TYPE tern_dataplane_rx_packets_total"));
}

TEST_CASE("metrics: workers' health, ports and queues") {
    const std::string t = prometheus_text(sample_stats());
    CHECK(has_line(t, "tern_dataplane_worker_responding{worker=\"0\"} 1"));
    CHECK(has_line(t, "tern_dataplane_worker_responding{worker=\"1\"} 0"));
    CHECK(has_line(t, "tern_dataplane_worker_ping_rtt_seconds{worker=\"0\"} 0.00025"));
    // The port name's quote is escaped as the format asks.
    CHECK(has_line(t, "tern_port_imissed_total{port=\"eth\\\"0\"} 1"));
    CHECK(has_line(t, "tern_port_queue_tx_dropped_total{port=\"eth\\\"0\",queue=\"1\"} 2"));
    CHECK(has_line(t, "tern_port_queue_rx_bytes_total{port=\"eth\\\"0\",queue=\"0\"} 400"));
}

TEST_CASE("metrics: components' levels are gauges, the rest counters; strings left out") {
    const std::string t = prometheus_text(sample_stats());
    CHECK(has_line(t, "# TYPE tern_proxy_sessions gauge"));
    CHECK(has_line(t, "tern_proxy_sessions 2"));
    CHECK(has_line(t, "tern_proxy_hellos_total 5"));
    CHECK(has_line(t, "tern_media_publishers 3"));
    CHECK(has_line(t, "tern_media_offers_total 9"));
    CHECK(has_line(t, "tern_turn_stream_open 1"));
    CHECK(has_line(t, "tern_turn_stream_accepted_total 6"));
    CHECK(t.find("listen") == std::string::npos);
    CHECK(t.find("listeners") == std::string::npos);
}

TEST_CASE("metrics: a detached data plane is one line saying so") {
    const std::string t =
        prometheus_text(json::parse(R"({"dataplane": {"connected": false}, "proxy": {}})"));
    CHECK(has_line(t, "tern_dataplane_up 0"));
    CHECK(t.find("tern_dataplane_rx_packets_total") == std::string::npos);
}

TEST_CASE("metrics: every sample line is NAME[{LABELS}] VALUE") {
    const std::string t = prometheus_text(sample_stats());
    std::istringstream in(t);
    int samples = 0;
    for (std::string l; std::getline(in, l);) {
        if (l.empty() || l[0] == '#') {
            continue;
        }
        ++samples;
        const auto space = l.rfind(' ');
        REQUIRE(space != std::string::npos);
        const std::string value = l.substr(space + 1);
        CHECK_NOTHROW(std::stod(value));
        CHECK(l.rfind("tern_", 0) == 0);
    }
    CHECK(samples > 20);
}
