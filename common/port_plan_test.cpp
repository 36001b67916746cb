#include "common/config.hpp"
#include "common/port_plan.hpp"

#include <catch2/catch.hpp>

using namespace tern;

TEST_CASE("PortRange: slices are equal shares, the remainder is nobody's", "[port_plan]") {
    const PortRange r{49152, 49161};  // 10 ports, 3 workers: 3 each, 49161 left over
    CHECK(r.size() == 10);
    CHECK(r.slice(0, 3) == PortRange{49152, 49154});
    CHECK(r.slice(2, 3) == PortRange{49158, 49160});
    CHECK(r.slice_owner(49152, 3) == 0);
    CHECK(r.slice_owner(49155, 3) == 1);
    CHECK(r.slice_owner(49160, 3) == 2);
    CHECK(r.slice_owner(49161, 3) == kNoWorker);
    CHECK(r.slice_owner(49151, 3) == kNoWorker);
    CHECK(r.slice(3, 3).empty());
    CHECK(PortRange{}.empty());
    CHECK(PortRange{}.size() == 0);
    CHECK(PortRange{100, 101}.slice(0, 3).empty());  // fewer ports than workers
    CHECK(PortRange{100, 101}.slice_owner(100, 3) == kNoWorker);
    CHECK(PortRange{100, 200}.overlaps(PortRange{200, 300}));
    CHECK_FALSE(PortRange{100, 200}.overlaps(PortRange{201, 300}));
    CHECK_FALSE(PortRange{100, 200}.overlaps(PortRange{}));
}

TEST_CASE("PortPlan: media, transport and relay ports per worker", "[port_plan]") {
    ServicesConfig s;  // STUN 3478, media 20000
    s.transport_port_min = 30000;
    s.transport_port_max = 30099;
    TurnConfig t;
    t.relay_port_min = 50000;
    t.relay_port_max = 50099;
    const PortPlan p{s, &t, 2};
    CHECK(p.workers() == 2);
    CHECK(p.stun_port() == 3478);
    CHECK(p.sfu());
    CHECK(p.media_port(0) == 20000);
    CHECK(p.media_port(1) == 20001);
    CHECK(p.media_ports() == PortRange{20000, 20001});
    CHECK(p.transport_slice(1) == PortRange{30050, 30099});
    CHECK(p.relay_slice(0) == PortRange{50000, 50049});
    CHECK(p.relay_owner(50050) == 1);
    CHECK(p.is_sfu_port(20001));
    CHECK(p.is_sfu_port(30000));
    CHECK_FALSE(p.is_sfu_port(20002));
    CHECK_FALSE(p.is_sfu_port(50000));
    // Who owns a port: what the NIC rules or the software hand-off steer by.
    CHECK(p.owner(20000) == 0);
    CHECK(p.owner(20001) == 1);
    CHECK(p.owner(20002) == kNoWorker);
    CHECK(p.owner(30049) == 0);
    CHECK(p.owner(30050) == 1);
    CHECK(p.owner(50099) == 1);
    CHECK(p.owner(3478) == kNoWorker);  // shared by every worker
    CHECK(p.owner(5060) == kNoWorker);  // the kernel's
}

TEST_CASE("PortPlan: what is off owns nothing", "[port_plan]") {
    ServicesConfig s;
    s.media_port = 0;
    TurnConfig t;
    t.enabled = false;
    const PortPlan p{s, &t, 4};
    CHECK_FALSE(p.sfu());
    CHECK(p.media_port(1) == 0);
    CHECK(p.media_ports().empty());
    CHECK(p.transport_ports().empty());
    CHECK(p.relay_ports().empty());
    CHECK(p.owner(20000) == kNoWorker);
    CHECK(p.owner(49152) == kNoWorker);
    CHECK(PortPlan{s, nullptr, 4} == p);
    // TURN alone (what a TurnServer knows before an SFU is set beside it).
    t.enabled = true;
    const PortPlan r = PortPlan::relay_only(t, 4);
    CHECK_FALSE(r.sfu());
    CHECK(r.relay_slice(3) == PortRange{61440, 65535});  // 16384 ports, 4096 each
    CHECK(r.owner(61439) == 2);
}

TEST_CASE("PortPlan: from the data plane config", "[port_plan]") {
    DataplaneConfig dp;
    dp.worker_cores = {1, 2, 3};
    const PortPlan p{dp};
    CHECK(p.workers() == 3);
    CHECK(p.media_port(2) == 20002);
    CHECK(p.relay_slice(0) == PortRange{49152, 49152 + 16384 / 3 - 1});
}
