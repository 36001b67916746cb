#include "common/shm/spsc_ring.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

using namespace tern;
using namespace tern::shm;

namespace {
struct RingBuf {
    explicit RingBuf(uint32_t capacity, uint32_t slot_size = 64)
        : mem(static_cast<std::byte*>(std::aligned_alloc(64, ring_bytes(capacity, slot_size)))),
          h(ring_init(mem.get(), capacity, slot_size)) {}
    struct Free {
        void operator()(std::byte* p) const { std::free(p); }
    };
    std::unique_ptr<std::byte, Free> mem;
    RingHeader* h;
};
}  // namespace

TEST_CASE("SpscRing: empty ring has nothing to pop", "[shm][ring]") {
    RingBuf r{8};
    RingConsumer c{r.h};
    RingMessage m{};
    CHECK_FALSE(c.peek(m));
    CHECK(c.size() == 0);
}

TEST_CASE("SpscRing: fills to capacity, refuses one more, drains in order", "[shm][ring]") {
    RingBuf r{8};
    RingProducer p{r.h};
    RingConsumer c{r.h};
    for (uint64_t i = 0; i < 8; ++i) {
        REQUIRE(p.try_push(7, i));
    }
    CHECK_FALSE(p.try_push(7, uint64_t{99}));
    CHECK(c.size() == 8);
    for (uint64_t i = 0; i < 8; ++i) {
        RingMessage m{};
        REQUIRE(c.peek(m));
        CHECK(m.type == 7);
        REQUIRE(m.payload.size() == sizeof(uint64_t));
        uint64_t v = 0;
        std::memcpy(&v, m.payload.data(), sizeof v);
        CHECK(v == i);
        c.release();
    }
    RingMessage m{};
    CHECK_FALSE(c.peek(m));
    CHECK(p.try_push(7, uint64_t{100}));  // space again after the drain
}

TEST_CASE("SpscRing: indices wrap the slot array many times", "[shm][ring]") {
    RingBuf r{4};
    RingProducer p{r.h};
    RingConsumer c{r.h};
    for (uint32_t i = 0; i < 1000; ++i) {
        REQUIRE(p.try_push(1, i));
        if (i % 3 == 0) {
            REQUIRE(p.try_push(2, i));
        }
        RingMessage m{};
        while (c.peek(m)) {
            uint32_t v = 0;
            std::memcpy(&v, m.payload.data(), sizeof v);
            CHECK(v == i);
            c.release();
        }
    }
    CHECK(r.h->tail.load() == r.h->head.load());
    CHECK(r.h->tail.load() > 1000);
}

TEST_CASE("SpscRing: oversized payloads are refused, not truncated", "[shm][ring]") {
    RingBuf r{4, 64};
    RingProducer p{r.h};
    std::vector<std::byte> big(64);
    CHECK_FALSE(p.try_push(1, ByteSpan{big}));
    CHECK(p.try_push(1, ByteSpan{big}.first(p.max_payload())));
}

TEST_CASE("SpscRing: a corrupt length is clamped to the slot", "[shm][ring]") {
    RingBuf r{4, 64};
    RingProducer p{r.h};
    REQUIRE(p.try_push(1, uint32_t{5}));
    reinterpret_cast<SlotHeader*>(r.h->slot(0))->len = 1u << 30;
    RingConsumer c{r.h};
    RingMessage m{};
    REQUIRE(c.peek(m));
    CHECK(m.payload.size() == 64 - sizeof(SlotHeader));
}

TEST_CASE("SpscRing: two threads, every message once and in order", "[shm][ring][stress]") {
    constexpr uint64_t kMessages = 2'000'000;
    RingBuf r{256};
    std::thread producer([&] {
        RingProducer p{r.h};
        uint64_t i = 0;
        while (i < kMessages) {
            // Vary the size so slot contents differ between laps.
            std::array<uint64_t, 3> msg{i, ~i, i * 3};
            const std::size_t len = sizeof(uint64_t) * (1 + i % 3);
            if (p.try_push(static_cast<uint16_t>(i & 0xffff), as_bytes(msg.data(), len))) {
                ++i;
            } else {
                std::this_thread::yield();
            }
        }
    });
    RingConsumer c{r.h};
    uint64_t expected = 0;
    uint64_t errors = 0;
    while (expected < kMessages) {
        RingMessage m{};
        if (!c.peek(m)) {
            std::this_thread::yield();
            continue;
        }
        std::array<uint64_t, 3> msg{};
        std::memcpy(msg.data(), m.payload.data(), m.payload.size());
        const std::size_t want_len = sizeof(uint64_t) * (1 + expected % 3);
        if (msg[0] != expected || m.type != (expected & 0xffff) || m.payload.size() != want_len ||
            (want_len >= 16 && msg[1] != ~expected) || (want_len == 24 && msg[2] != expected * 3)) {
            ++errors;
        }
        c.release();
        ++expected;
    }
    producer.join();
    CHECK(errors == 0);
    RingMessage m{};
    CHECK_FALSE(c.peek(m));
}
