#include "signaling/net/prometheus_metrics.hpp"

#include <string_view>

namespace tern::sig::net {

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t v, std::string_view labels = {}) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(v);
    out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, uint64_t v) {
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(v);
    out += '\n';
}

}  // namespace

std::string prometheus_metrics(const EdgeContext& ctx) {
    const HubStats hub = ctx.hub_totals();
    auto get = [&ctx](EdgeCounters::Counter EdgeCounters::*counter) { return ctx.total(counter); };
    std::string out;
    metric(out, "signaling_hub_sessions", "gauge", "The current number of sessions", hub.sessions);
    metric(out, "signaling_hub_rooms", "gauge", "The current number of rooms", hub.rooms);
    metric(out, "signaling_hub_connections", "gauge", "Connections known to the hub",
           hub.connections);
    metric(out, "signaling_hub_backend_calls_in_flight", "gauge",
           "Backend requests awaiting a reply", hub.backend_calls_in_flight);
    metric(out, "signaling_server_connections", "gauge", "Open client WebSockets",
           get(&EdgeCounters::ws_open));
    metric(out, "signaling_server_connections_total", "counter", "Client WebSockets accepted",
           get(&EdgeCounters::ws_total));
    metric(out, "signaling_server_tcp_accepted_total", "counter", "TCP connections accepted",
           get(&EdgeCounters::connections_accepted));
    metric(out, "signaling_server_slow_consumers_total", "counter",
           "Clients closed because their send queue passed its budget",
           get(&EdgeCounters::slow_consumers));
    metric(out, "signaling_server_timeouts_total", "counter",
           "Clients closed by the read or write deadline", get(&EdgeCounters::ws_timeouts));
    metric(out, "signaling_server_frames_in_total", "counter", "WebSocket frames received",
           get(&EdgeCounters::frames_in));
    metric(out, "signaling_server_frames_out_total", "counter", "WebSocket frames sent",
           get(&EdgeCounters::frames_out));
    metric(out, "signaling_server_bytes_in_total", "counter", "WebSocket payload bytes received",
           get(&EdgeCounters::bytes_in));
    metric(out, "signaling_server_bytes_out_total", "counter", "WebSocket payload bytes sent",
           get(&EdgeCounters::bytes_out));
    metric(out, "signaling_server_frames_dropped_total", "counter",
           "Frames for connections already gone", get(&EdgeCounters::frames_dropped));
    metric(out, "signaling_shard_bus_messages_total", "counter",
           "Cluster events posted from one shard to another", get(&EdgeCounters::bus_messages_out));
    metric(out, "signaling_shard_handoffs_total", "counter",
           "Resumes handed to the shard that holds the session", get(&EdgeCounters::handoffs));
    metric(out, "signaling_server_http_requests_total", "counter", "HTTP requests (not upgrades)",
           get(&EdgeCounters::http_requests));
    metric(out, "signaling_backend_requests_total", "counter", "Backend POSTs handed to the hub",
           get(&EdgeCounters::backend_posts));
    metric(out, "signaling_backend_requests_refused_total", "counter",
           "Backend POSTs refused by their checks", get(&EdgeCounters::backend_posts_refused));
    metric(out, "signaling_backend_requests_timeout_total", "counter", "Backend POSTs answered 504",
           get(&EdgeCounters::backend_posts_timeout));
    out += "# HELP signaling_backend_client_calls_total Requests to backends by outcome\n"
           "# TYPE signaling_backend_client_calls_total counter\n";
    sample(out, "signaling_backend_client_calls_total", "{result=\"ok\"}",
           get(&EdgeCounters::backend_calls_ok));
    sample(out, "signaling_backend_client_calls_total", "{result=\"http_error\"}",
           get(&EdgeCounters::backend_calls_http_error));
    sample(out, "signaling_backend_client_calls_total", "{result=\"transport_error\"}",
           get(&EdgeCounters::backend_calls_transport_error));
    sample(out, "signaling_backend_client_calls_total", "{result=\"timeout\"}",
           get(&EdgeCounters::backend_calls_timeout));
    metric(out, "signaling_server_handler_exceptions_total", "counter", "Handler calls that threw",
           get(&EdgeCounters::handler_exceptions));
    metric(out, "signaling_limits_connections_refused_total", "counter",
           "Connections refused by connections_per_ip: closed at accept, or a proxied upgrade "
           "answered 429",
           get(&EdgeCounters::connections_limited));
    metric(out, "signaling_limits_connections_untracked_total", "counter",
           "WebSockets let in uncounted because the per-address table was full",
           get(&EdgeCounters::connections_untracked));
    metric(out, "signaling_limits_hellos_refused_total", "counter",
           "Hellos answered too_many_requests: the address passed hellos_per_second",
           hub.hellos_rate_limited);
    metric(out, "signaling_limits_tracked_addresses", "gauge",
           "Addresses holding counted WebSockets", ctx.gate.tracked());
    return out;
}

}  // namespace tern::sig::net
