// The connection gate: admitted connections hold a slot that gives the place back when it goes
// (destroyed, reset or moved over), refused ones hold none, exempt addresses are never counted,
// and a limit of 0 lets everyone in uncounted.
#include "signaling/net/connection_gate.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern::sig;
using namespace tern::sig::net;
using Outcome = ConnectionGate::Outcome;

namespace {
LimitsConfig limits(uint32_t per_ip, std::vector<std::string> exempt = {}) {
    LimitsConfig l;
    l.connections_per_ip = per_ip;
    l.exempt = std::move(exempt);
    return l;
}
}  // namespace

TEST_CASE("connection gate: slots count until they go", "[signaling][net][limits]") {
    ConnectionGate gate(limits(2));
    auto a = gate.admit("192.0.2.7");
    auto b = gate.admit("192.0.2.7");
    CHECK(a.outcome == Outcome::Admitted);
    CHECK(b.outcome == Outcome::Admitted);
    CHECK(gate.admit("192.0.2.7").outcome == Outcome::Refused);
    CHECK(gate.tracked() == 1);
    {
        ConnectionGate::Slot moved = std::move(a.slot);  // the place moves with the slot
        CHECK(gate.admit("192.0.2.7").outcome == Outcome::Refused);
    }
    auto c = gate.admit("192.0.2.7");
    CHECK(c.outcome == Outcome::Admitted);
    c.slot = ConnectionGate::Slot{};  // reset: the place goes back
    b.slot = {};
    CHECK(gate.tracked() == 0);
}

TEST_CASE("connection gate: exempt networks are never counted", "[signaling][net][limits]") {
    ConnectionGate gate(limits(1, {"127.0.0.1", "10.0.0.0/8", "2001:db8::/32"}));
    CHECK(gate.bad_entries().empty());
    std::vector<ConnectionGate::Admission> held;
    for (const char* ip : {"127.0.0.1", "127.0.0.1", "10.1.2.3", "10.1.2.3", "2001:db8::1"}) {
        held.push_back(gate.admit(ip));
        CHECK(held.back().outcome == Outcome::Exempt);
    }
    CHECK(gate.exempt("10.9.9.9"));
    CHECK_FALSE(gate.exempt("127.0.0.2"));  // loopback only as listed
    held.push_back(gate.admit("127.0.0.2"));
    CHECK(held.back().outcome == Outcome::Admitted);
    CHECK(gate.admit("127.0.0.2").outcome == Outcome::Refused);
    CHECK(gate.tracked() == 1);
}

TEST_CASE("connection gate: no limit lets everyone in uncounted", "[signaling][net][limits]") {
    ConnectionGate gate(limits(0));
    for (int i = 0; i < 10; ++i) {
        CHECK(gate.admit("192.0.2.7").outcome == Outcome::Untracked);
    }
    CHECK(gate.tracked() == 0);
}
