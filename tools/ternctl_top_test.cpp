#include "tools/ternctl_top.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using tern::ctl::render_top;
using tern::ctl::TopSample;

namespace {

/// A status document as the control plane writes it, with one worker and one port of one
/// queue; the counters scale with `k`.
json stats(uint64_t k) {
    return {
        {"dataplane",
         {{"connected", true}, {"pid", 42}, {"uptime_s", 100 + k}, {"workers", 1}, {"ports", 1}}},
        {"controlplane", {{"pid", 7}}},
        {"workers", {{{"worker", 0}, {"responding", true}, {"ping_rtt_us", 35}}}},
        {"lcores",
         {{{"worker", 0},
           {"counters",
            {{"busy_cycles", 1000 * k},
             {"idle_cycles", 3000 * k},
             {"loop_iterations", 5000 * k},
             {"rx_packets", 2000 * k},
             {"tx_packets", 4000 * k},
             {"drop_udp_checksum", 10 * k},
             {"drop_no_mbuf", 5 * k},
             {"sfu_rtp_in", 99 * k}}}}}},
        {"ports",
         {{{"name", "wan"},
           {"hw",
            {{"ipackets", 2000 * k},
             {"ibytes", 250'000 * k},
             {"opackets", 4000 * k},
             {"obytes", 500'000 * k},
             {"imissed", 3 * k},
             {"rx_nombuf", 0},
             {"ierrors", 0},
             {"oerrors", 0}}},
           {"queues",
            {{{"queue", 0},
              {"rx_packets", 2000 * k},
              {"rx_bytes", 250'000 * k},
              {"tx_packets", 4000 * k},
              {"tx_bytes", 500'000 * k},
              {"tx_dropped", k}}}}}}},
        {"sfu_sessions",
         {{"publishers", 2},
          {"subscribers", 3},
          {"dtls_connected_now", 5},
          {"speaking_now", {"pub-a"}},
          {"estimate_bps", {{"sub-low", 300'000}, {"sub-high", 2'500'000}}},
          {"layers",
           {{"sub-high",
             {{"budget_bps", 2'400'000},
              {"layers_bps", 2'100'000},
              {"videos", 2},
              {"spatial", 2},
              {"paused", 0}}}}}}}};
}

json allocation(const char* user, const char* client, uint64_t to_peer, uint64_t to_client) {
    return {{"user", user},
            {"client", client},
            {"relayed", "198.18.0.2:50000"},
            {"lifetime_s", 600},
            {"to_peer_bytes", to_peer},
            {"to_client_bytes", to_client},
            {"permissions", 1},
            {"channels", 1}};
}

bool has_line(const std::string& screen, const std::string& needle) {
    return screen.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("ternctl top: rates over the interval between two samples", "[ternctl]") {
    const TopSample before{stats(10), json{{"allocations", json::array()}, {"complete", true}},
                           0.0};
    const TopSample now{stats(12), json{{"allocations", json::array()}, {"complete", true}}, 2.0};
    const std::string screen = render_top(before, now, 10);
    INFO(screen);
    // busy 2000 of 8000 cycles over the interval; 10,000 loops, 4,000 rx, 8,000 tx over 2 s.
    CHECK(has_line(screen, "25.0%"));
    CHECK(has_line(screen, "5.00k"));   // loops/s
    CHECK(has_line(screen, "2.00k"));   // rx pps
    CHECK(has_line(screen, "4.00k"));   // tx pps
    CHECK(has_line(screen, "   15 "));  // drop_* over the interval: (20 + 10) / 2
    CHECK(has_line(screen, "yes"));
    // The port: 500 kB over 2 s is 2 Mbit/s in; 1 Mbit... out is twice that.
    CHECK(has_line(screen, "wan"));
    CHECK(has_line(screen, "2.00M"));
    CHECK(has_line(screen, "4.00M"));
    CHECK(has_line(screen, "  queue 0"));
    CHECK(
        has_line(screen, "SFU: 2 publisher(s), 3 subscriber(s), 5 with DTLS up; speaking: pub-a"));
}

TEST_CASE("ternctl top: subscribers by estimate, TURN talkers by rate, highest first",
          "[ternctl]") {
    const json before_turn{{"allocations",
                            {allocation("alice", "10.0.0.1:1000", 1'000'000, 1'000'000),
                             allocation("bob", "10.0.0.2:2000", 0, 0)}},
                           {"complete", true}};
    // alice moved 125 kB in 1 s (1 Mbit/s), bob 1.25 MB (10 Mbit/s); carol is new: all of hers
    // belongs to the interval.
    const json now_turn{{"allocations",
                         {allocation("alice", "10.0.0.1:1000", 1'125'000, 1'000'000),
                          allocation("bob", "10.0.0.2:2000", 625'000, 625'000),
                          allocation("carol", "10.0.0.3:3000", 12'500, 0)}},
                        {"complete", true}};
    const std::string screen =
        render_top({stats(1), before_turn, 5.0}, {stats(2), now_turn, 6.0}, 2);
    INFO(screen);
    CHECK(has_line(screen, "TURN: 3 allocation(s)"));
    const auto bob = screen.find("bob");
    const auto alice = screen.find("alice");
    REQUIRE(bob != std::string::npos);
    REQUIRE(alice != std::string::npos);
    CHECK(bob < alice);
    CHECK(has_line(screen, "5.00M"));        // bob to peer
    CHECK(has_line(screen, "1.00M"));        // alice to peer
    CHECK_FALSE(has_line(screen, "carol"));  // beyond max_rows 2 ...
    CHECK(has_line(screen, "... 1 more"));
    const auto high = screen.find("sub-high");
    const auto low = screen.find("sub-low");
    REQUIRE(high != std::string::npos);
    REQUIRE(low != std::string::npos);
    CHECK(high < low);
    CHECK(has_line(screen, "2.50M"));
}

TEST_CASE("ternctl top: a data plane restart between samples shows no negative rate", "[ternctl]") {
    const TopSample before{stats(1000), json::object(), 0.0};
    const TopSample now{stats(1), json::object(), 1.0};
    const std::string screen = render_top(before, now, 10);
    INFO(screen);
    for (const char* negative : {" -1", " -2", " -3", " -4", " -5", " -6", " -7", " -8", " -9"}) {
        CHECK_FALSE(has_line(screen, negative));
    }
    CHECK(has_line(screen, "0.0%"));
    CHECK(has_line(screen, "  queue 0              0          0         0          0         0"));
}

TEST_CASE("ternctl top: no data plane attached", "[ternctl]") {
    const TopSample s{json{{"dataplane", {{"connected", false}}}, {"controlplane", {{"pid", 7}}}},
                      json::object(), 0.0};
    CHECK(render_top(s, s, 10) ==
          "tern top: data plane not attached (control plane pid 7 is retrying)\n");
}
