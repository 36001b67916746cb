// MediaSessions driven through a RecordingSink: the commands publishers and subscribers put on
// the data plane's rings, without a data plane, DPDK or sockets.
#include "controlplane/command_sink_recording.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace tern;
using namespace tern::cp;
using shm::MsgType;

namespace {

std::string testdata(const char* name) {
    std::ifstream f(std::string(TERN_TESTDATA) + "/" + name);
    REQUIRE(f);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::shared_ptr<DtlsIdentity> identity() {
    auto id = DtlsIdentity::generate(DtlsIdentity::KeyType::EcdsaP256);
    REQUIRE(id);
    return *id;
}

Config config() {
    Config c;
    c.controlplane.proxy.state_file.clear();
    c.controlplane.proxy.public_addresses = {"192.0.2.1"};
    return c;
}

struct Closed {
    std::string owner, id;
    bool publisher = false;
};

/// One MediaSessions on a RecordingSink, attached to data plane instance 7 with generation 5.
struct Fixture {
    explicit Fixture(Config c = config(), uint32_t workers = 1)
        : cfg(std::move(c)), sink(workers) {}
    Config cfg;
    Logger log{"test"};
    RecordingSink sink;
    std::vector<Closed> closed;
    std::vector<std::string> ice;
    MediaSessions media{
        cfg, log, identity(), sink,
        MediaSessions::Events{
            [this](const std::string&, const std::string& id) { ice.push_back(id); },
            [this](const std::string& o, const std::string& id, bool p) {
                closed.push_back({o, id, p});
            }}};

    void attach(uint64_t instance = 7) { media.attach(instance, 5); }
    std::string publisher(const char* sdp_file = "chromium_offer.sdp",
                          const std::string& owner = "s1") {
        auto p = media.create_publisher(owner, CreatePublisher{"sid1", "video", 0, 3, ""});
        REQUIRE(p);
        auto answer = media.offer(PublisherOffer{p->id, testdata(sdp_file)});
        INFO((answer ? "" : answer.error().message));
        REQUIRE(answer);
        return p->id;
    }
};

/// A subscriber's answer to `offer` (tern's), with `fingerprint` as its DTLS certificate's.
std::string answer_to(const std::string& offer, const std::string& fingerprint) {
    auto o = sdp::parse(offer);
    REQUIRE(o);
    std::string a = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    for (const auto& m : o->media) {
        a += "m=" + std::string(m.kind) + " 9 " + std::string(m.proto) + " " +
             (m.formats.empty() ? std::string("0") : std::string(m.formats[0])) + "\r\n";
        a += "c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz12\r\n";
        a += "a=fingerprint:" + fingerprint +
             "\r\na=setup:active\r\na=mid:" + std::string(m.attr("mid").value_or("")) + "\r\n";
        a += m.kind == "application" ? "a=sctp-port:5000\r\n" : "a=recvonly\r\n";
    }
    return a;
}

/// A browser's DTLS client against a transport: its records go in as punted datagrams, tern's
/// come back from the sink's injected packets.
struct Browser {
    std::shared_ptr<DtlsIdentity> id = identity();
    std::deque<std::vector<std::byte>> out;
    DtlsSession dtls;

    explicit Browser(const std::string& server_fingerprint)
        : dtls{id, DtlsSession::Role::Client, server_fingerprint,
               [this](ByteSpan d) { out.emplace_back(d.begin(), d.end()); }} {}

    /// Runs the handshake with transport `transport` of `f` (started here unless `started`),
    /// taking tern's records injected from `taken` on (by default: from now on).
    void handshake(Fixture& f, uint64_t transport, bool started = false,
                   std::size_t taken = SIZE_MAX) {
        if (!started) {
            dtls.start(1);
        }
        taken = std::min(taken, f.sink.injected.size());
        for (int round = 0; round < 20 && (!out.empty() || taken < f.sink.injected.size());
             ++round) {
            while (!out.empty()) {
                std::vector<std::byte> m(sizeof(shm::SfuDatagramMeta) + out.front().size());
                const shm::SfuDatagramMeta meta{transport,
                                                static_cast<uint32_t>(out.front().size()), 0};
                std::memcpy(m.data(), &meta, sizeof meta);
                std::memcpy(m.data() + sizeof meta, out.front().data(), out.front().size());
                out.pop_front();
                f.media.on_punt(
                    shm::RingMessage{static_cast<uint16_t>(MsgType::SfuDatagram), ByteSpan{m}}, 1);
            }
            for (; taken < f.sink.injected.size(); ++taken) {
                const auto& p = f.sink.injected[taken].payload;
                dtls.on_datagram(ByteSpan{p}.subspan(sizeof(shm::SfuDatagramMeta)), 1);
            }
        }
    }
};

shm::RingMessage event(const shm::SfuTransportUpEvt& e) {
    return shm::RingMessage{static_cast<uint16_t>(MsgType::SfuTransportUp), as_bytes(&e, sizeof e)};
}

}  // namespace

TEST_CASE("MediaSessions: create-publisher installs a transport with its credentials and budget",
          "[webrtc][sfu]") {
    Fixture f{config(), 2};
    auto none = f.media.create_publisher("s1", CreatePublisher{});
    REQUIRE_FALSE(none);
    CHECK(none.error().code == "timeout");  // no data plane yet
    f.attach();

    auto p = f.media.create_publisher("s1", CreatePublisher{"sid1", "video", 500'000, 3, ""});
    REQUIRE(p);
    CHECK(p->bitrate == 500'000);
    CHECK(p->sid == "sid1");
    CHECK(p->id.size() == 36);
    REQUIRE(f.sink.commands.size() == 1);
    const auto t = f.sink.commands[0].as<shm::SfuTransportCmd>();
    CHECK(f.sink.commands[0].type == MsgType::SfuTransport);
    CHECK(t.generation == 5);
    CHECK(t.id % 2 == f.sink.commands[0].worker);
    CHECK(t.ufrag_len == 8);
    CHECK(t.pwd_len == 24);
    CHECK(t.max_kbps == 500);  // REMB's budget

    // Workers are taken in turn; a screen is capped at screen_bitrate.
    auto screen =
        f.media.create_publisher("s1", CreatePublisher{"sid2", "screen", 9'000'000, 4, ""});
    REQUIRE(screen);
    CHECK(screen->bitrate == 2'000'000);
    REQUIRE(f.sink.commands.size() == 2);
    CHECK(f.sink.commands[1].worker != f.sink.commands[0].worker);
    CHECK(f.media.load() == 2500);

    CHECK(f.media.create_publisher("s1", CreatePublisher{"x", "audio", 0, 1, ""}).error().code ==
          "bad_request");
    f.sink.full = true;
    CHECK(f.media.create_publisher("s1", CreatePublisher{}).error().code == "timeout");
    f.sink.full = false;

    // A publisher is not a subscriber; deleting one removes its transport.
    CHECK(f.media.request_offer(RequestOffer{p->id}).error().code == "unsupported_payload");
    CHECK(f.media.offer(PublisherOffer{"nobody", "v=0"}).error().code == "unknown_client");
    f.sink.clear();
    CHECK(f.media.remove(p->id));
    REQUIRE(f.sink.of(MsgType::SfuRemove).size() == 1);
    CHECK(f.sink.of(MsgType::SfuRemove)[0].as<shm::SfuRemoveCmd>().id == t.id);
    CHECK(f.closed.empty());  // asked for: not reported
}

TEST_CASE("MediaSessions: a publisher's offer publishes each track; a renegotiation keeps them",
          "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    auto p = f.media.create_publisher("s1", CreatePublisher{"sid1", "video", 0, 3, ""});
    REQUIRE(p);
    CHECK(f.media.offer(PublisherOffer{p->id, "not sdp"}).error().code == "bad_request");
    const std::string offer = testdata("chromium_offer.sdp");
    auto answer = f.media.offer(PublisherOffer{p->id, offer});
    REQUIRE(answer);
    CHECK(answer->find("a=setup:passive") != std::string::npos);
    CHECK(answer->find("192.0.2.1 20000 typ host") != std::string::npos);
    const auto pubs = f.sink.of(MsgType::SfuPublication);
    REQUIRE(pubs.size() == 2);  // audio and video (SSRC-signalled: one layer)
    const auto audio = pubs[0].as<shm::SfuPublicationCmd>();
    const auto video = pubs[1].as<shm::SfuPublicationCmd>();
    CHECK(audio.codec == 0);
    CHECK(audio.clock_hz == 48000);
    CHECK(audio.level_ext != 0);
    CHECK(video.clock_hz == 90000);
    CHECK(video.track != audio.track);
    CHECK(video.layer == 0);
    CHECK(video.twcc_ext == audio.twcc_ext);
    const auto streams = f.media.publisher_streams(p->id);
    REQUIRE(streams.size() == 2);
    CHECK(streams[0].audio);
    CHECK(streams[1].mindex == 1);
    CHECK_FALSE(streams[1].simulcast);

    // The same offer again: nothing new to publish, no ICE restart.
    f.sink.clear();
    REQUIRE(f.media.offer(PublisherOffer{p->id, offer}));
    CHECK(f.sink.commands.empty());
    // New ICE credentials in an offer restart ICE: the transport is installed again.
    std::string restarted = offer;
    for (std::size_t at = 0; (at = restarted.find("a=ice-ufrag:JMp4", at)) != std::string::npos;) {
        restarted.replace(at, 16, "a=ice-ufrag:QQQQ");
    }
    REQUIRE(f.media.offer(PublisherOffer{p->id, restarted}));
    REQUIRE(f.sink.commands.size() == 1);
    CHECK(f.sink.commands[0].type == MsgType::SfuTransport);
    CHECK(f.media.stats()["ice_restarts"] == 1);
}

TEST_CASE("MediaSessions: simulcast publications, one per layer, best rid first", "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    f.publisher("chromium_simulcast_offer.sdp");
    const auto pubs = f.sink.of(MsgType::SfuPublication);
    REQUIRE(pubs.size() == 3);
    const char* rids[] = {"h", "m", "l"};
    for (int i = 0; i < 3; ++i) {
        const auto p = pubs[i].as<shm::SfuPublicationCmd>();
        CHECK(p.layer == 2 - i);
        CHECK(p.ssrc == 0);
        CHECK(p.rid_ext != 0);
        CHECK(std::string(p.rid, p.rid_len) == rids[i]);
    }
}

TEST_CASE("MediaSessions: a subscriber gets one subscription per track and picks its layer",
          "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher("chromium_simulcast_offer.sdp");
    CHECK(f.media.create_subscriber("s2", CreateSubscriber{"nobody", ""}).error().code ==
          "unknown_client");
    CHECK(f.media.create_subscriber("s2", CreateSubscriber{pub, "screen"}).error().code ==
          "bad_request");
    f.sink.clear();
    auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
    REQUIRE(s);
    CHECK(s->sid.size() == 16);
    REQUIRE(f.sink.of(MsgType::SfuTransport).size() == 1);
    const auto transport = f.sink.of(MsgType::SfuTransport)[0].as<shm::SfuTransportCmd>();
    CHECK(transport.max_kbps == 0);

    CHECK(f.media.answer(SubscriberAnswer{s->id, ""}).error().message.find("requestoffer first") !=
          std::string::npos);
    auto offer = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(offer);
    const auto subs = f.sink.of(MsgType::SfuSubscription);
    REQUIRE(subs.size() == 1);
    const auto sub = subs[0].as<shm::SfuSubscriptionCmd>();
    CHECK(sub.id == transport.id);
    CHECK(sub.target_layer == 1);  // the second best of three
    CHECK(sub.screen == 0);        // a camera
    CHECK(offer->find("a=ssrc:" + std::to_string(sub.out_ssrc) + " ") != std::string::npos);

    f.sink.clear();
    REQUIRE(f.media.select_stream(SelectStream{s->id, 0, true}));
    REQUIRE(f.media.select_stream(SelectStream{s->id, 9, true}));
    REQUIRE(f.media.select_stream(SelectStream{s->id, std::nullopt, false}));
    const auto layers = f.sink.of(MsgType::SfuLayer);
    REQUIRE(layers.size() == 3);
    CHECK(layers[0].as<shm::SfuLayerCmd>().layer == 0);
    CHECK(layers[1].as<shm::SfuLayerCmd>().layer == 2);   // clamped to the best
    CHECK(layers[2].as<shm::SfuLayerCmd>().layer == -1);  // video paused
    CHECK(layers[0].as<shm::SfuLayerCmd>().out_ssrc == sub.out_ssrc);
    CHECK(f.media.select_stream(SelectStream{pub, 0, true}).error().code == "unsupported_payload");

    // The publisher goes: its subscriber too, reported closed to its owner.
    f.sink.clear();
    REQUIRE(f.media.remove(pub));
    CHECK(f.sink.of(MsgType::SfuRemove).size() == 2);
    REQUIRE(f.closed.size() == 1);
    CHECK(f.closed[0].id == s->id);
    CHECK(f.closed[0].owner == "s2");
    CHECK_FALSE(f.closed[0].publisher);
    CHECK_FALSE(f.media.exists(s->id));
}

TEST_CASE("MediaSessions: a subscriber answering with transport-cc gets a bandwidth estimate",
          "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher();
    auto answered = [&](const std::string& owner, bool transport_cc) {
        auto s = f.media.create_subscriber(owner, CreateSubscriber{pub, ""});
        REQUIRE(s);
        const uint64_t transport =
            f.sink.of(MsgType::SfuTransport).back().as<shm::SfuTransportCmd>().id;
        auto offer = f.media.request_offer(RequestOffer{s->id});
        REQUIRE(offer);
        CHECK(offer->find("transport-wide-cc") != std::string::npos);
        std::string a = answer_to(*offer, identity()->fingerprint());
        if (transport_cc) {
            // What a browser keeps of tern's offer: the extension with its id, the feedback.
            const std::string keep = "a=recvonly\r\na=extmap:5 "
                                     "http://www.ietf.org/id/"
                                     "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
                                     "a=rtcp-fb:* transport-cc\r\n";
            for (auto at = a.find("a=recvonly\r\n"); at != std::string::npos;
                 at = a.find("a=recvonly\r\n", at + keep.size())) {
                a.replace(at, 12, keep);
            }
        }
        f.sink.clear();
        REQUIRE(f.media.answer(SubscriberAnswer{s->id, a}));
        return std::pair{transport, f.sink.of(MsgType::SfuTransportCc)};
    };
    const auto [plain, none] = answered("s2", false);
    CHECK(none.empty());
    const auto [twcc, estimate] = answered("s3", true);
    REQUIRE(estimate.size() == 1);
    CHECK(estimate[0].as<shm::SfuTransportCcCmd>().id == twcc);
    CHECK(twcc != plain);
    // The data plane's estimate shows in the figures, by client.
    CHECK(f.media.stats()["estimate_bps"].empty());
    CHECK(f.media.stats()["layers"].empty());
    const shm::SfuEstimateEvt e{
        twcc, 1'234'000, 1'300'000, 1'100'000, 1, 0, 2, 1, 2, 1, 0, {150'000, 0, 900'000}, 0};
    f.media.on_estimate(
        shm::RingMessage{static_cast<uint16_t>(MsgType::SfuEstimate), as_bytes(&e, sizeof e)});
    const auto shown = f.media.stats()["estimate_bps"];
    REQUIRE(shown.size() == 1);
    CHECK(shown.begin().value() == 1'234'000);
    // And what layer selection made of it.
    const auto layers = f.media.stats()["layers"];
    REQUIRE(layers.size() == 1);
    CHECK(layers.begin().value()["budget_bps"] == 1'300'000);
    CHECK(layers.begin().value()["spatial"] == 2);
    CHECK(layers.begin().value()["flowing"] == 1);
    CHECK(layers.begin().value()["probing"] == true);
    CHECK(layers.begin().value()["layer_bps"] == nlohmann::json{150'000, 0, 900'000});
}

TEST_CASE("MediaSessions: simulcast by SSRC (SIM), one publication per SSRC, lowest first",
          "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher("chromium_sim_offer.sdp");
    const auto pubs = f.sink.of(MsgType::SfuPublication);
    REQUIRE(pubs.size() == 4);  // audio, then three video layers
    const uint32_t ssrcs[] = {1855393388, 3000000001, 3000000002};
    for (int i = 0; i < 3; ++i) {
        const auto p = pubs[1 + i].as<shm::SfuPublicationCmd>();
        CHECK(p.layer == i);
        CHECK(p.ssrc == ssrcs[i]);
        CHECK(p.rid_len == 0);
    }
    auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
    REQUIRE(s);
    REQUIRE(f.media.request_offer(RequestOffer{s->id}));
    const auto subs = f.sink.of(MsgType::SfuSubscription);
    REQUIRE(subs.size() == 2);
    CHECK(subs[1].as<shm::SfuSubscriptionCmd>().target_layer == 1);  // the second best
    // Talk's selectStream: HIGH, LOW, HIGH reach the data plane as layers 2, 0, 2.
    f.sink.clear();
    for (int substream : {2, 0, 2}) {
        REQUIRE(f.media.select_stream(SelectStream{s->id, substream, true, substream}));
    }
    REQUIRE(f.media.select_stream(SelectStream{s->id, 1, true, 7}));
    REQUIRE(f.media.select_stream(SelectStream{s->id, 1, true}));
    const auto layers = f.sink.of(MsgType::SfuLayer);
    REQUIRE(layers.size() == 5);  // the video only
    // Its temporal layer goes along, clamped to VP8's four; none: all of them.
    CHECK(layers[1].as<shm::SfuLayerCmd>().temporal == 0);
    CHECK(layers[2].as<shm::SfuLayerCmd>().temporal == 2);
    CHECK(layers[3].as<shm::SfuLayerCmd>().temporal == 3);
    CHECK(layers[4].as<shm::SfuLayerCmd>().temporal == -1);
    CHECK(layers[0].as<shm::SfuLayerCmd>().layer == 2);
    CHECK(layers[1].as<shm::SfuLayerCmd>().layer == 0);
    CHECK(layers[2].as<shm::SfuLayerCmd>().layer == 2);
    CHECK(layers[0].as<shm::SfuLayerCmd>().out_ssrc ==
          subs[1].as<shm::SfuSubscriptionCmd>().out_ssrc);
}

TEST_CASE("MediaSessions: a subscriber on another worker gets its publisher's tracks relayed",
          "[webrtc][sfu]") {
    Config c = config();
    c.controlplane.proxy.streams_per_lcore = 1;  // the publisher's worker is full at once
    Fixture f{c, 2};
    f.attach();
    const std::string pub = f.publisher();
    const uint32_t pub_worker = f.sink.of(MsgType::SfuTransport)[0].worker;
    // The first subscriber finds both workers empty and joins the publisher's; the next one goes
    // to the other worker.
    REQUIRE(f.media.create_subscriber("s2", CreateSubscriber{pub, ""}));
    CHECK(f.sink.of(MsgType::SfuTransport)[1].worker == pub_worker);
    f.sink.clear();
    auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
    REQUIRE(s);
    const uint32_t sub_worker = f.sink.of(MsgType::SfuTransport)[0].worker;
    CHECK(sub_worker != pub_worker);
    REQUIRE(f.media.request_offer(RequestOffer{s->id}));
    std::size_t relayed = 0;
    for (const auto& p : f.sink.of(MsgType::SfuPublication)) {
        CHECK(p.worker == sub_worker);
        CHECK(p.as<shm::SfuPublicationCmd>().from_worker == pub_worker + 1);
        ++relayed;
    }
    CHECK(relayed == 2);
    auto relays = f.sink.of(MsgType::SfuRelay);
    REQUIRE(relays.size() == 2);
    CHECK(relays[0].worker == pub_worker);
    CHECK(relays[0].as<shm::SfuRelayCmd>().to_worker == sub_worker);
    CHECK(relays[0].as<shm::SfuRelayCmd>().on == 1);
    CHECK(f.sink.of(MsgType::SfuSubscription).size() == 2);

    // The last subscriber on that worker leaves: the relays stop.
    f.sink.clear();
    REQUIRE(f.media.remove(s->id));
    relays = f.sink.of(MsgType::SfuRelay);
    REQUIRE(relays.size() == 2);
    CHECK(relays[1].as<shm::SfuRelayCmd>().on == 0);
}

TEST_CASE("MediaSessions: DTLS through the rings, keys to the data plane, ICE completion",
          "[webrtc][sfu][dtls]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher();
    auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
    REQUIRE(s);
    const uint64_t transport =
        f.sink.of(MsgType::SfuTransport).back().as<shm::SfuTransportCmd>().id;
    auto offer = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(offer);
    const std::string server_fp = [&] {
        const auto at = offer->find("a=fingerprint:") + 14;
        return offer->substr(at, offer->find('\r', at) - at);
    }();
    Browser browser{server_fp};
    REQUIRE(f.media.answer(SubscriberAnswer{s->id, answer_to(*offer, browser.id->fingerprint())}));
    browser.handshake(f, transport);
    REQUIRE(browser.dtls.state() == DtlsSession::State::Connected);
    const auto keys = f.sink.of(MsgType::SfuKeys);
    REQUIRE(keys.size() == 1);
    const auto k = keys[0].as<shm::SfuKeysCmd>();
    CHECK(k.id == transport);
    CHECK(std::memcmp(k.rx_key, browser.dtls.keys().tx.key.data(), 32) == 0);
    CHECK(f.media.stats()["dtls_connected"] == 1);
    CHECK(f.sink.injected[0].type == MsgType::SfuDatagram);

    // ICE completion is reported once.
    f.media.on_transport_up(event(shm::SfuTransportUpEvt{transport}));
    f.media.on_transport_up(event(shm::SfuTransportUpEvt{transport}));
    REQUIRE(f.ice.size() == 1);
    CHECK(f.ice[0] == s->id);
    // Consent expired: closed and reported.
    f.media.on_transport_down(shm::RingMessage{static_cast<uint16_t>(MsgType::SfuTransportDown),
                                               as_bytes(&transport, 0)});
    CHECK(f.media.exists(s->id));  // a malformed event is ignored
    const shm::SfuTransportUpEvt down{transport};
    f.media.on_transport_down(shm::RingMessage{static_cast<uint16_t>(MsgType::SfuTransportDown),
                                               as_bytes(&down, sizeof down)});
    CHECK_FALSE(f.media.exists(s->id));
    REQUIRE(f.closed.size() == 1);
    CHECK(f.closed[0].id == s->id);
}

TEST_CASE("MediaSessions: requestoffer again from a new peer connection: a new DTLS association",
          "[webrtc][sfu][dtls]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher();
    auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
    REQUIRE(s);
    const uint64_t transport =
        f.sink.of(MsgType::SfuTransport).back().as<shm::SfuTransportCmd>().id;
    auto offer = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(offer);
    const std::string server_fp = [&] {
        const auto at = offer->find("a=fingerprint:") + 14;
        return offer->substr(at, offer->find('\r', at) - at);
    }();
    Browser first{server_fp};
    REQUIRE(f.media.answer(SubscriberAnswer{s->id, answer_to(*offer, first.id->fingerprint())}));
    first.handshake(f, transport);
    REQUIRE(first.dtls.state() == DtlsSession::State::Connected);
    REQUIRE(f.sink.of(MsgType::SfuKeys).size() == 1);

    // Without a new requestoffer, another certificate is refused.
    Browser stranger{server_fp};
    CHECK(f.media.answer(SubscriberAnswer{s->id, answer_to(*offer, stranger.id->fingerprint())})
              .error()
              .code == "bad_request");

    // Talk's way after a failed connection: requestoffer again, answered from a new peer
    // connection (new certificate, new handshake), answer first. New ICE credentials too.
    auto again = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(again);
    CHECK(again->find("a=ice-ufrag:") != std::string::npos);
    CHECK(f.media.stats()["ice_restarts"] == 1);
    Browser second{server_fp};
    REQUIRE(f.media.answer(SubscriberAnswer{s->id, answer_to(*again, second.id->fingerprint())}));
    second.handshake(f, transport);
    REQUIRE(second.dtls.state() == DtlsSession::State::Connected);
    auto keys = f.sink.of(MsgType::SfuKeys);
    REQUIRE(keys.size() == 2);  // the new association's keys replace the old ones
    CHECK(std::memcmp(keys[1].as<shm::SfuKeysCmd>().rx_key, second.dtls.keys().tx.key.data(), 32) ==
          0);

    // Once more, the new connection's handshake arriving before its answer: held, then run.
    auto third_offer = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(third_offer);
    Browser third{server_fp};
    third.dtls.start(1);
    third.handshake(f, transport, true);  // its ClientHello waits for the answer
    CHECK(third.dtls.state() == DtlsSession::State::Handshaking);
    CHECK(f.sink.of(MsgType::SfuKeys).size() == 2);
    const std::size_t mark = f.sink.injected.size();
    REQUIRE(
        f.media.answer(SubscriberAnswer{s->id, answer_to(*third_offer, third.id->fingerprint())}));
    third.handshake(f, transport, true, mark);
    REQUIRE(third.dtls.state() == DtlsSession::State::Connected);
    CHECK(f.sink.of(MsgType::SfuKeys).size() == 3);
    CHECK(f.media.stats()["dtls_restarts"] == 2);
    CHECK(f.media.stats()["dtls_failed"] == 0);
    CHECK(f.media.exists(s->id));
    CHECK(f.closed.empty());

    // An ICE restart on the same connection (same certificate, no new handshake) keeps the
    // association: no new keys.
    auto fourth = f.media.request_offer(RequestOffer{s->id});
    REQUIRE(fourth);
    REQUIRE(f.media.answer(SubscriberAnswer{s->id, answer_to(*fourth, third.id->fingerprint())}));
    CHECK(f.sink.of(MsgType::SfuKeys).size() == 3);
    CHECK(f.media.stats()["dtls_restarts"] == 2);
}

TEST_CASE("MediaSessions: candidates are checked, not needed", "[webrtc][sfu]") {
    Fixture f;
    f.attach();
    const std::string pub = f.publisher();
    CHECK(
        f.media.candidate(Candidate{pub, "candidate:1 1 udp 2130706431 198.18.0.1 5000 typ host"}));
    CHECK(f.media.candidate(Candidate{pub, ""}));
    CHECK(f.media.candidate(Candidate{pub, "candidate:1 1 udp"}).error().code == "bad_request");
    CHECK(f.media.candidate(Candidate{"nobody", ""}).error().code == "unknown_client");
    CHECK(f.media.stats()["candidates"] == 2);
}

TEST_CASE("MediaSessions: a restarted control plane resumes on the same data plane instance",
          "[webrtc][sfu]") {
    char dir[] = "/tmp/tern-media-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    Config c = config();
    c.controlplane.proxy.state_file = std::string(dir) + "/state.json";
    std::string pub;
    std::string sub;
    uint64_t pub_transport = 0;
    {
        Fixture f{c};
        CHECK(f.media.restore().empty());
        f.attach(42);
        pub = f.publisher();
        pub_transport = f.sink.of(MsgType::SfuTransport)[0].as<shm::SfuTransportCmd>().id;
        auto s = f.media.create_subscriber("s2", CreateSubscriber{pub, ""});
        REQUIRE(s);
        sub = s->id;
        const uint64_t transport =
            f.sink.of(MsgType::SfuTransport)[1].as<shm::SfuTransportCmd>().id;
        auto offer = f.media.request_offer(RequestOffer{sub});
        REQUIRE(offer);
        const auto at = offer->find("a=fingerprint:") + 14;
        Browser browser{offer->substr(at, offer->find('\r', at) - at)};
        REQUIRE(
            f.media.answer(SubscriberAnswer{sub, answer_to(*offer, browser.id->fingerprint())}));
        browser.handshake(f, transport);
        REQUIRE(f.sink.of(MsgType::SfuKeys).size() == 1);
        f.media.set_sessions({SavedSession{"s1", "talk"}, SavedSession{"s2", "talk"}});
    }  // the process dies: the publisher's DTLS never finished
    {
        Fixture f{c};
        const auto sessions = f.media.restore();
        REQUIRE(sessions.size() == 2);
        CHECK(sessions[1].id == "s2");
        CHECK(sessions[1].issuer == "talk");
        f.attach(42);
        // The half-made publisher's transport is removed; the established subscriber stays.
        const auto removed = f.sink.of(MsgType::SfuRemove);
        REQUIRE(removed.size() == 1);
        CHECK(removed[0].as<shm::SfuRemoveCmd>().id == pub_transport);
        CHECK(removed[0].as<shm::SfuRemoveCmd>().generation == 5);
        CHECK_FALSE(f.media.exists(pub));
        CHECK(f.media.exists(sub));
        CHECK(f.media.owned_by(sub, "s2"));
        CHECK(f.closed.empty());
    }
    {
        // Another data plane instance: its transports are gone, and so are the clients.
        Fixture f{c};
        REQUIRE(f.media.restore().size() == 2);
        f.attach(43);
        CHECK_FALSE(f.media.exists(sub));
        REQUIRE(f.closed.size() == 1);
        CHECK(f.closed[0].id == sub);
    }
    std::remove(c.controlplane.proxy.state_file.c_str());
    rmdir(dir);
}

TEST_CASE("MediaStateStore: clients round-trip through the state file", "[webrtc][sfu]") {
    char dir[] = "/tmp/tern-store-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/state.json";
    Logger log{"test"};
    MediaStateStore store{path, log};
    CHECK_FALSE(store.load());  // no file yet
    MediaClients clients;
    auto c = std::make_unique<MediaClient>();
    c->id = "c1";
    c->owner = "s1";
    c->publisher = true;
    c->transport = 9;
    c->worker = 1;
    c->keys_sent = true;
    RemoteSection s;
    s.mid = "1";
    s.kind = MediaKind::Video;
    s.codec.name = "VP8";
    s.codec.rtx_pt = 97;
    s.rids = {"h", "l"};
    c->sections.push_back(s);
    c->tracks = {4};
    c->labels = {"status"};
    clients["c1"] = std::move(c);
    store.save(MediaIds{77, 10, 5, 3}, {SavedSession{"s1", "talk"}}, clients);
    auto loaded = store.load();
    REQUIRE(loaded);
    CHECK(loaded->ids.instance == 77);
    CHECK(loaded->ids.next_transport == 10);
    CHECK(loaded->ids.next_track == 5);
    CHECK(loaded->ids.next_worker == 3);
    REQUIRE(loaded->sessions.size() == 1);
    CHECK(loaded->sessions[0].issuer == "talk");
    REQUIRE(loaded->clients.size() == 1);
    const MediaClient& r = *loaded->clients[0];
    CHECK(r.id == "c1");
    CHECK(r.transport == 9);
    CHECK(r.worker == 1);
    CHECK(r.keys_sent);
    REQUIRE(r.sections.size() == 1);
    CHECK(r.sections[0].rids == std::vector<std::string>{"h", "l"});
    CHECK(r.sections[0].codec.rtx_pt == 97);
    CHECK(r.labels == std::vector<std::string>{"status"});

    std::ofstream(path) << "{\"version\":1,\"instance\":\"x\"}";
    CHECK_FALSE(store.load());  // malformed: start empty
    std::remove(path.c_str());
    rmdir(dir);
}
