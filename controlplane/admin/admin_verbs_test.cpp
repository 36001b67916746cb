// The admin verbs' registry, and the verbs that run without a data plane (a RecordingSink
// stands for its rings).
#include "common/turn/credentials.hpp"
#include "controlplane/admin/admin_verbs.hpp"
#include "controlplane/admin/verbs/verbs.hpp"
#include "controlplane/command_sink_recording.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace tern;
using namespace tern::cp;
using nlohmann::json;
using shm::MsgType;

namespace {

AdminRequest request(std::string_view line) {
    return AdminRequest{line, AdminVerbs::split(line)};
}

}  // namespace

TEST_CASE("AdminVerbs: a request's first word picks its verb, by word count, then by prefix",
          "[admin]") {
    AdminVerbs verbs;
    std::vector<std::string> seen;
    auto record = [&seen](const char* name) {
        return [&seen, name](const AdminRequest& r) {
            seen.push_back(name + std::string(":") + std::to_string(r.args.size()));
            return json{{"verb", name}}.dump();
        };
    };
    verbs.add("status", record("status"), 1, 1);
    verbs.add("turn-list", record("turn-list"));
    verbs.add("sfu-batch", record("sfu-batch"), 2, 2);
    verbs.add_prefix("sfu-", record("sfu"));

    CHECK(verbs.handle("status") == R"({"verb":"status"})");
    CHECK(verbs.handle("turn-list  extra") == R"({"verb":"turn-list"})");
    CHECK(verbs.handle("sfu-batch /tmp/x") == R"({"verb":"sfu-batch"})");
    CHECK(verbs.handle("sfu-batch") == R"({"verb":"sfu"})");  // the wrong word count: the prefix's
    CHECK(verbs.handle("sfu-remove 3") == R"({"verb":"sfu"})");
    CHECK(seen ==
          std::vector<std::string>{"status:1", "turn-list:2", "sfu-batch:2", "sfu:1", "sfu:2"});

    // Unknown requests list the verbs (those a prefix covers under it).
    const json unknown = json::parse(verbs.handle("status now"));
    CHECK(unknown["error"] == "unknown request 'status now' (known: status, turn-list, sfu-*)");
    CHECK(json::parse(verbs.handle(""))["error"] ==
          "unknown request '' (known: status, turn-list, sfu-*)");
    CHECK(AdminVerbs::split("  a  bc d ") == std::vector<std::string>{"a", "bc", "d"});
}

TEST_CASE("admin verb turn-credentials: REST credentials and every URI", "[admin][turn]") {
    Config c;
    CHECK(json::parse(verbs::turn_credentials(c, request("turn-credentials"), 1000))["error"] ==
          "no TURN REST secret configured (dataplane.turn.secrets or secret_file)");
    c.dataplane.turn.secrets = {"s3cret", "old"};
    c.dataplane.turn.tls_ports = {5349};
    PortConfig p;
    p.ipv4 = wire::Prefix<wire::Ipv4Addr>{*wire::Ipv4Addr::parse("198.18.0.2"), 24};
    c.dataplane.ports.push_back(p);

    const json j =
        json::parse(verbs::turn_credentials(c, request("turn-credentials alice 600"), 1000));
    CHECK(j["username"] == "1600:alice");
    CHECK(j["password"] == turn::rest_password("s3cret", "1600:alice"));
    CHECK(j["ttl"] == 600);
    CHECK(j["realm"] == "tern");
    CHECK(j["uris"] == json{"turn:198.18.0.2:3478?transport=udp",
                            "turn:198.18.0.2:3478?transport=tcp",
                            "turns:198.18.0.2:5349?transport=tcp"});
    CHECK(json::parse(verbs::turn_credentials(c, request("turn-credentials -"),
                                              1000))["username"] == "87400");
    CHECK(json::parse(verbs::turn_credentials(c, request("turn-credentials - 0"), 1000))["error"] ==
          "ttl must be 1 s to 365 days");
}

TEST_CASE("admin verbs sfu-*: SFU commands by hand, on the transport's worker", "[admin][sfu]") {
    RecordingSink sink{0};
    ServicesConfig services;  // media port 20000
    const verbs::SfuContext ctx{9, PortPlan{services, nullptr, 2}};
    auto run = [&](std::string_view line) {
        return json::parse(verbs::sfu_command(sink, ctx, AdminVerbs::split(line)));
    };
    CHECK(run("sfu-remove 1")["error"] == "no data plane attached");
    sink.n_workers = 2;
    ServicesConfig off;
    off.media_port = 0;
    CHECK(json::parse(verbs::sfu_command(sink, {9, PortPlan{off, nullptr, 2}},
                                         {"sfu-remove", "1"}))["error"] ==
          "the SFU is off (dataplane.services.media_port = 0)");
    CHECK(run("sfu-transport x")["error"] == "usage: sfu-COMMAND ID ...");

    json r = run("sfu-transport 5 ufrag password 30001");
    CHECK(r["worker"] == 1);
    CHECK(r["media_port"] == 20001);
    REQUIRE(sink.commands.size() == 1);
    const auto t = sink.commands[0].as<shm::SfuTransportCmd>();
    CHECK(sink.commands[0].worker == 1);
    CHECK(t.generation == 9);
    CHECK(t.id == 5);
    CHECK(std::string(t.ufrag, t.ufrag_len) == "ufrag");
    CHECK(t.udp_port == 30001);

    r = run("sfu-publish 4 0x1234 7 1 vp8 twcc=3 level=1");
    CHECK(r["ok"] == true);
    const auto p = sink.of(MsgType::SfuPublication).at(0).as<shm::SfuPublicationCmd>();
    CHECK(p.ssrc == 0x1234);
    CHECK(p.track == 7);
    CHECK(p.codec == 1);
    CHECK(p.clock_hz == 90000);
    CHECK(p.twcc_ext == 3);
    CHECK(p.level_ext == 1);
    CHECK(run("sfu-publish 4 1 7 1 vp8 bogus=3")["error"].get<std::string>().rfind(
              "usage: sfu-publish", 0) == 0);

    r = run("sfu-keys 2 aes128cm " + std::string(32, 'a') + " " + std::string(28, 'b') + " " +
            std::string(32, 'c') + " " + std::string(28, 'd'));
    CHECK(r["ok"] == true);
    const auto k = sink.of(MsgType::SfuKeys).at(0).as<shm::SfuKeysCmd>();
    CHECK(k.suite == 0);
    CHECK(k.rx_key[0] == 0xaa);
    CHECK(k.tx_salt[13] == 0xdd);

    CHECK(run("sfu-relay 0 7 1 on")["ok"] == true);
    CHECK(sink.of(MsgType::SfuRelay).at(0).as<shm::SfuRelayCmd>().to_worker == 1);
    CHECK(run("sfu-relay 0 7 2 on")["error"] == "usage: sfu-relay WORKER TRACK TO_WORKER on|off");
    CHECK(run("sfu-publish-remote 1 7 0 opus 0")["ok"] == true);
    CHECK(sink.of(MsgType::SfuPublication).at(1).as<shm::SfuPublicationCmd>().from_worker == 1);
    CHECK(run("sfu-subscribe 3 7 99 96 1")["ok"] == true);
    CHECK(sink.of(MsgType::SfuSubscription).at(0).as<shm::SfuSubscriptionCmd>().out_pt == 96);
    CHECK(run("sfu-dance 3")["error"] == "unknown or malformed SFU command 'sfu-dance'");

    sink.full = true;
    CHECK(run("sfu-remove 3")["error"] == "the worker's command ring is full; retry");
}

TEST_CASE("admin verb sfu-batch: one command a line, stops at the first refusal", "[admin][sfu]") {
    char dir[] = "/tmp/tern-batch-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/batch";
    std::ofstream(path) << "sfu-remove 1\n\nsfu-remove 2\r\nsfu-remove x\nsfu-remove 4\n";
    RecordingSink sink{1};
    const json r =
        json::parse(verbs::sfu_batch(sink, {1, PortPlan{ServicesConfig{}, nullptr, 1}}, path));
    CHECK(r["error"].get<std::string>().rfind("line 3: ", 0) == 0);
    CHECK(sink.commands.size() == 2);
    std::ofstream(path) << "sfu-remove 1\nsfu-remove 2\n";
    CHECK(json::parse(verbs::sfu_batch(sink, {1, PortPlan{ServicesConfig{}, nullptr, 1}},
                                       path))["applied"] == 2);
    CHECK(json::parse(
              verbs::sfu_batch(sink, {1, PortPlan{ServicesConfig{}, nullptr, 1}}, path + ".none"))
              .contains("error"));
    std::remove(path.c_str());
    rmdir(dir);
}

TEST_CASE("admin verb turn-list: every worker's allocations, complete when all answered",
          "[admin][turn]") {
    verbs::TurnList list;
    RecordingSink sink{2};
    std::vector<std::vector<std::byte>> events;
    auto deliver = [&] {
        for (const auto& e : events) {
            const auto type = e.size() == sizeof(shm::TurnListDoneEvt) ? MsgType::TurnListDone
                                                                       : MsgType::TurnAllocation;
            CHECK(list.on_event(shm::RingMessage{static_cast<uint16_t>(type), ByteSpan{e}}));
        }
        events.clear();
    };
    shm::TurnAllocationEvt a{};
    a.request_id = 77;
    a.worker = 1;
    const uint8_t client[4] = {192, 0, 2, 1};
    std::memcpy(a.client_ip, client, 4);
    a.client_port = 5000;
    const uint8_t relay[4] = {198, 18, 0, 2};
    std::memcpy(a.relay_ip, relay, 4);
    a.relay_port = 40000;
    std::memcpy(a.username, "1600:alice", 10);
    a.channels = 2;
    auto push = [&](const auto& e) {
        const auto* b = reinterpret_cast<const std::byte*>(&e);
        events.emplace_back(b, b + sizeof e);
    };
    push(a);
    a.request_id = 76;  // an earlier request's: not ours
    push(a);
    push(shm::TurnListDoneEvt{77, 0, 0});
    push(shm::TurnListDoneEvt{77, 1, 1});
    const json j = json::parse(list.run(sink, 3, 77, deliver));
    REQUIRE(sink.of(MsgType::TurnList).size() == 2);
    CHECK(sink.of(MsgType::TurnList)[1].as<shm::TurnListCmd>().request_id == 77);
    CHECK(j["complete"] == true);
    REQUIRE(j["allocations"].size() == 1);
    CHECK(j["allocations"][0]["client"] == "192.0.2.1:5000");
    CHECK(j["allocations"][0]["relayed"] == "198.18.0.2:40000");
    CHECK(j["allocations"][0]["user"] == "1600:alice");
    CHECK(j["allocations"][0]["channels"] == 2);
    CHECK_FALSE(list.on_event(shm::RingMessage{static_cast<uint16_t>(MsgType::Pong), {}}));

    RecordingSink none{0};
    CHECK(json::parse(list.run(none, 3, 78, deliver))["error"] == "no data plane attached");
}

TEST_CASE("admin verb status: without a data plane", "[admin]") {
    DataplaneClient dp{"/nonexistent/tern-test.sock"};
    Logger log{"test"};
    DataplaneLink link{dp, log, [](uint32_t, const shm::RingMessage&) {}};
    const json j = verbs::status_json({dp, link, 1000, {}, {}, {}}, true);
    CHECK(j["controlplane"]["pid"] == getpid());
    CHECK(j["controlplane"]["attaches"] == 0);
    CHECK(j["dataplane"] == json{{"connected", false}});
}
