#include "controlplane/webrtc/data_channels.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

using tern::ByteSpan;
using tern::cp::DataChannels;

namespace {

using Packet = std::vector<std::byte>;

ByteSpan text(const std::string& s) {
    return ByteSpan{reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
std::string str(ByteSpan b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// Two associations joined by queues (in tern, DTLS carries the packets).
struct Link {
    std::deque<Packet> to_a, to_b;
    DataChannels a{
        false, [this](ByteSpan p) { to_b.emplace_back(p.begin(), p.end()); }};  // the DTLS client
    DataChannels b{
        true, [this](ByteSpan p) { to_a.emplace_back(p.begin(), p.end()); }};  // tern: DTLS server
    void pump() {
        for (int i = 0; i < 1000 && (!to_a.empty() || !to_b.empty()); ++i) {
            while (!to_b.empty()) {
                Packet p = std::move(to_b.front());
                to_b.pop_front();
                b.on_packet(p);
            }
            while (!to_a.empty()) {
                Packet p = std::move(to_a.front());
                to_a.pop_front();
                a.on_packet(p);
            }
        }
    }
};

}  // namespace

TEST_CASE("data channels: association, DCEP open both ways, messages", "[sctp][dcep]") {
    Link l;
    int connected = 0;
    l.b.on_connected = [&] { ++connected; };
    REQUIRE(l.a.start());
    REQUIRE(l.b.start());
    l.pump();
    REQUIRE(l.a.connected());
    REQUIRE(l.b.connected());
    CHECK(connected == 1);

    // The browser side opens "status" (even stream: it is the DTLS client).
    std::vector<std::string> opened;
    std::vector<std::pair<std::string, std::string>> got_b;
    l.b.on_open = [&](const DataChannels::Channel& c) {
        opened.push_back(c.label + "/" + std::to_string(c.stream));
    };
    l.b.on_message = [&](const DataChannels::Channel& c, ByteSpan d, bool binary) {
        got_b.emplace_back(c.label, (binary ? "bin:" : "") + str(d));
    };
    const int sa = l.a.open_channel("status");
    REQUIRE(sa == 0);
    REQUIRE(l.a.send(static_cast<uint16_t>(sa), text("{\"type\":\"audioOn\"}"), false));
    l.pump();
    REQUIRE(opened == std::vector<std::string>{"status/0"});
    CHECK(l.a.channels().at(0).open);  // ACKed
    REQUIRE(got_b.size() == 1);
    CHECK(got_b[0] == std::pair<std::string, std::string>{"status", "{\"type\":\"audioOn\"}"});

    // tern opens one towards the browser side: odd stream ids.
    std::vector<std::string> got_a;
    l.a.on_message = [&](const DataChannels::Channel& c, ByteSpan d, bool) {
        got_a.push_back(c.label + ":" + str(d));
    };
    const int sb = l.b.open_channel("status", "tern");
    CHECK(sb == 1);
    CHECK(l.b.open_channel("other") == 3);
    REQUIRE(l.b.send(static_cast<uint16_t>(sb), text("forwarded"), false));
    const std::string big(100'000, 'x');  // arrives in pieces, delivered whole
    REQUIRE(l.b.send(static_cast<uint16_t>(sb), text(big), true));
    REQUIRE(l.b.send(static_cast<uint16_t>(sb), ByteSpan{}, false));
    l.pump();
    REQUIRE(got_a.size() == 3);
    CHECK(got_a[0] == "status:forwarded");
    CHECK(got_a[1] == "status:" + big);
    CHECK(got_a[2] == "status:");
    CHECK(l.a.channels().at(1).protocol == "tern");
    CHECK_FALSE(l.b.send(77, text("no such channel"), false));
}

TEST_CASE("data channels: malformed SCTP and DCEP input is dropped", "[sctp][dcep]") {
    Link l;
    REQUIRE(l.a.start());
    REQUIRE(l.b.start());
    l.pump();
    REQUIRE(l.b.connected());
    const std::vector<std::byte> junk(64, std::byte{0x5a});
    l.b.on_packet(junk);
    l.b.on_packet(ByteSpan{junk.data(), 3});
    l.b.on_packet(ByteSpan{});
    l.pump();
    CHECK(l.b.connected());
    // A DATA_CHANNEL_OPEN whose lengths run past its end opens nothing.
    int opens = 0;
    l.b.on_open = [&](const DataChannels::Channel&) { ++opens; };
    const int s = l.a.open_channel("ok");
    l.pump();
    CHECK(opens == 1);
    CHECK(s == 0);
    CHECK(l.b.channels().size() == 1);
}
