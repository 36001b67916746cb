#include "common/shm/messages.hpp"
#include "common/shm/spsc_ring.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <vector>

using namespace tern;
using namespace tern::shm;

// Every ring message names its type; the framed ones announce their body's length.
static_assert(TypedMessage<PingCmd> && TypedMessage<PongEvt> && TypedMessage<TurnListCmd> &&
              TypedMessage<TurnAllocationEvt> && TypedMessage<TurnListDoneEvt> &&
              TypedMessage<SfuTransportCmd> && TypedMessage<SfuKeysCmd> &&
              TypedMessage<SfuPublicationCmd> && TypedMessage<SfuLayerCmd> &&
              TypedMessage<SfuSubscriptionCmd> && TypedMessage<SfuRelayCmd> &&
              TypedMessage<SfuRemoveCmd> && TypedMessage<SfuTransportCcCmd> &&
              TypedMessage<SfuSpeakingEvt> && TypedMessage<SfuEstimateEvt> &&
              TypedMessage<SfuTransportUpEvt> && TypedMessage<SfuTransportDownEvt>);
static_assert(FramedMessage<PacketMeta> && FramedMessage<StreamMeta> &&
              FramedMessage<StreamCloseMeta> && FramedMessage<SfuDatagramMeta>);
static_assert(kTypeOf<SfuTransportDownEvt> == static_cast<uint16_t>(MsgType::SfuTransportDown));
static_assert(kTypeOf<StreamCloseMeta> == static_cast<uint16_t>(MsgType::TurnStreamClose));

namespace {
struct Ring {
    explicit Ring(uint32_t slot_size = 256)
        : mem(static_cast<std::byte*>(std::aligned_alloc(64, ring_bytes(8, slot_size)))),
          h(ring_init(mem.get(), 8, slot_size)), out(h), in(h) {}
    struct Free {
        void operator()(std::byte* p) const { std::free(p); }
    };
    std::unique_ptr<std::byte, Free> mem;
    RingHeader* h;
    RingProducer out;
    RingConsumer in;
    RingMessage next() {
        RingMessage m{};
        REQUIRE(in.peek(m));
        return m;
    }
};
}  // namespace

TEST_CASE("Messages: a struct travels under its own type and decodes only as itself",
          "[shm][messages]") {
    Ring r;
    REQUIRE(r.out.try_push(SfuLayerCmd{5, 9, 0x1234, 2}));
    const RingMessage m = r.next();
    CHECK(m.type == static_cast<uint16_t>(MsgType::SfuLayer));
    const auto c = decode<SfuLayerCmd>(m);
    REQUIRE(c);
    CHECK(c->generation == 5);
    CHECK(c->out_ssrc == 0x1234);
    CHECK_FALSE(decode<SfuRemoveCmd>(m));  // same size, other type
    r.in.release();
    // The right type with the wrong size (an older or corrupt producer) is refused.
    REQUIRE(r.out.try_push(static_cast<uint16_t>(MsgType::SfuLayer), uint64_t{5}));
    CHECK_FALSE(decode<SfuLayerCmd>(r.next()));
    r.in.release();
    // One struct layout, two types: consent expiry is its own struct.
    REQUIRE(r.out.try_push(SfuTransportDownEvt{{7, 0, 0, 4000, 0, {}}}));
    const RingMessage down = r.next();
    CHECK(down.type == static_cast<uint16_t>(MsgType::SfuTransportDown));
    CHECK_FALSE(decode<SfuTransportUpEvt>(down));
    REQUIRE(decode<SfuTransportDownEvt>(down));
    CHECK(decode<SfuTransportDownEvt>(down)->remote_port == 4000);
}

TEST_CASE("Messages: a header and the body it announces", "[shm][messages]") {
    Ring r;
    const std::vector<std::byte> dtls(40, std::byte{0x16});
    REQUIRE(r.out.try_push(SfuDatagramMeta{11, 40, 0}, ByteSpan{dtls}));
    RingMessage m = r.next();
    const auto d = decode_framed<SfuDatagramMeta>(m);
    REQUIRE(d);
    CHECK(d->head.id == 11);
    CHECK(d->body.size() == 40);
    CHECK(d->body[0] == std::byte{0x16});
    CHECK_FALSE(decode_framed<PacketMeta>(m));
    r.in.release();
    // A body shorter than announced, and a slot shorter than the header, are refused.
    REQUIRE(r.out.try_push(SfuDatagramMeta{11, 41, 0}, ByteSpan{dtls}));
    CHECK_FALSE(decode_framed<SfuDatagramMeta>(r.next()));
    r.in.release();
    REQUIRE(r.out.try_push(static_cast<uint16_t>(MsgType::SfuDatagram), uint32_t{1}));
    CHECK_FALSE(decode_framed<SfuDatagramMeta>(r.next()));
    r.in.release();
    // Header and body must fit one slot together.
    const std::vector<std::byte> big(r.out.max_payload(), std::byte{1});
    CHECK_FALSE(r.out.try_push(PacketMeta{0, PacketReason::Dtls, static_cast<uint32_t>(big.size())},
                               ByteSpan{big}));
    // A close is the stream header alone, under its own type.
    StreamCloseMeta close{};
    close.conn = 99;
    REQUIRE(r.out.try_push(close, ByteSpan{}));
    m = r.next();
    CHECK(m.type == static_cast<uint16_t>(MsgType::TurnStreamClose));
    CHECK_FALSE(decode_framed<StreamMeta>(m));
    const auto c = decode_framed<StreamCloseMeta>(m);
    REQUIRE(c);
    CHECK(c->head.conn == 99);
    CHECK(c->body.empty());
}
