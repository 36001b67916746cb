// VP8 temporal layers: the payload descriptor's layer facts (RFC 7741 §4.2) and a subscriber's
// temporal filter (down at the next frame, up at switching points or keyframes).
#include "dataplane/sfu/temporal_filter.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::sfu;

namespace {

/// A VP8 payload: descriptor X|S (partition 0), I L T with a 7-bit picture id, TL0PICIDX, then
/// TID/Y, then the VP8 payload header octet.
test::Bytes vp8(int tid, bool sync, bool start = true) {
    const auto b0 = static_cast<uint8_t>(0x80 | (start ? 0x10 : 0));
    const auto t = static_cast<uint8_t>((tid << 6) | (sync ? 0x20 : 0));
    return test::Bytes{std::byte{b0},   std::byte{0xE0}, std::byte{0x12},
                       std::byte{0x05}, std::byte{t},    std::byte{0x01}};
}

}  // namespace

TEST_CASE("vp8_temporal: TID, Y and frame start from the payload descriptor", "[sfu][vp8]") {
    const test::Bytes a = vp8(2, true);
    const Vp8Temporal t = vp8_temporal(a);
    CHECK(t.tid == 2);
    CHECK(t.sync);
    CHECK(t.frame_start);
    const test::Bytes b = vp8(1, false, false);
    CHECK(vp8_temporal(b).tid == 1);
    CHECK_FALSE(vp8_temporal(b).frame_start);
    // A 15-bit picture id, no TL0PICIDX: X|S, I T, M|id, id, TID 3.
    const test::Bytes c{std::byte{0x90}, std::byte{0xA0}, std::byte{0x80}, std::byte{0x01},
                        std::byte{0xC0}};
    CHECK(vp8_temporal(c).tid == 3);
    // No T bit (K only), no extension, truncated: no layer.
    const test::Bytes k{std::byte{0x90}, std::byte{0x10}, std::byte{0xC0}};
    CHECK(vp8_temporal(k).tid == -1);
    const test::Bytes plain{std::byte{0x10}, std::byte{0x9d}};
    CHECK(vp8_temporal(plain).tid == -1);
    CHECK(vp8_temporal(plain).frame_start);
    const test::Bytes cut{std::byte{0x90}, std::byte{0xE0}, std::byte{0x12}};
    CHECK(vp8_temporal(cut).tid == -1);
    CHECK(vp8_temporal(test::Bytes{}).tid == -1);
}

TEST_CASE("TemporalFilter: down at the next frame, up at a switching point or a keyframe",
          "[sfu][vp8]") {
    TemporalFilter f;
    auto pass = [&](int tid, bool sync, bool start = true, bool key = false) {
        const test::Bytes p = vp8(tid, sync, start);
        return f.accept(vp8_temporal(p), key);
    };
    // All layers by default; streams without temporal layers always pass.
    CHECK(pass(2, false));
    CHECK(f.accept(Vp8Temporal{}, false));
    // Down to layer 0: at the next frame start; the rest of a frame already started goes on.
    f.set_target(0);
    CHECK(pass(2, false, false));
    CHECK_FALSE(pass(2, false));
    CHECK_FALSE(pass(1, true));
    CHECK(pass(0, false));
    // Up to 2: a layer-2 frame without Y cannot be decoded yet; a layer-1 switching point lets
    // layer 1 in, then a layer-2 one layer 2.
    f.set_target(2);
    CHECK_FALSE(pass(2, false));
    CHECK_FALSE(pass(1, false));
    CHECK(pass(1, true));
    CHECK(f.current() == 1);
    CHECK_FALSE(pass(2, false));
    CHECK(pass(2, true));
    CHECK(pass(2, false));
    // A keyframe switches at once, both ways.
    f.set_target(0);
    CHECK(pass(0, false, true, true));
    CHECK(f.current() == 0);
    f.set_target(-1);
    CHECK(f.target() == TemporalFilter::kAll);
    CHECK(pass(0, false, true, true));
    CHECK(pass(2, false));
}
