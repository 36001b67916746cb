// SFU building blocks: keyframe detection per codec, the outgoing stream rewriter (continuous
// sequence numbers and timestamps across layer switches, pauses and drops, losses kept as
// gaps), the layer switch (only at keyframes) and the retransmission cache behind NACKs.
#include "dataplane/sfu/keyframe.hpp"
#include "dataplane/sfu/retransmit_cache.hpp"
#include "dataplane/sfu/rewriter.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::sfu;

TEST_CASE("keyframes: VP8 (RFC 7741)", "[sfu][keyframe]") {
    // X=1 S=1 PID=0; I with a 15-bit picture ID; VP8 header with P=0 (key) or 1 (inter).
    CHECK(is_keyframe(Codec::Vp8, test::hex("90 80 8123 10 0203")));
    CHECK_FALSE(is_keyframe(Codec::Vp8, test::hex("90 80 8123 11 0203")));
    // The same without extensions, and with L, T/K octets.
    CHECK(is_keyframe(Codec::Vp8, test::hex("10 10 0203")));
    CHECK(is_keyframe(Codec::Vp8, test::hex("90 f0 12 34 56 10")));
    // Not the start of partition 0: never a keyframe start.
    CHECK_FALSE(is_keyframe(Codec::Vp8, test::hex("80 80 8123 10")));
    CHECK_FALSE(is_keyframe(Codec::Vp8, test::hex("91 80 8123 10")));
    // Truncated descriptors.
    CHECK_FALSE(is_keyframe(Codec::Vp8, test::hex("90")));
    CHECK_FALSE(is_keyframe(Codec::Vp8, test::hex("90 80 81")));
    CHECK_FALSE(is_keyframe(Codec::Vp8, {}));
}

TEST_CASE("keyframes: VP9 (RFC 9628)", "[sfu][keyframe]") {
    CHECK(is_keyframe(Codec::Vp9, test::hex("88 05 aa")));        // I B, not predicted
    CHECK_FALSE(is_keyframe(Codec::Vp9, test::hex("c8 05 aa")));  // P: inter-predicted
    CHECK_FALSE(is_keyframe(Codec::Vp9, test::hex("80 05 aa")));  // not the beginning of a frame
    CHECK(is_keyframe(Codec::Vp9, test::hex("a8 05 00 00")));     // layer indices, SID 0
    CHECK_FALSE(
        is_keyframe(Codec::Vp9, test::hex("a8 05 02 00")));    // SID 1: not where decoding starts
    CHECK_FALSE(is_keyframe(Codec::Vp9, test::hex("a8 85")));  // truncated
}

TEST_CASE("keyframes: H.264 (RFC 6184) single NAL, STAP-A, FU-A", "[sfu][keyframe]") {
    CHECK(is_keyframe(Codec::H264, test::hex("65 88 84")));                    // IDR slice
    CHECK(is_keyframe(Codec::H264, test::hex("67 42 c0 1f")));                 // SPS
    CHECK_FALSE(is_keyframe(Codec::H264, test::hex("41 9a 02")));              // non-IDR slice
    CHECK(is_keyframe(Codec::H264, test::hex("78 0004 6742c01f 0002 68ce")));  // STAP-A: SPS, PPS
    CHECK_FALSE(is_keyframe(Codec::H264, test::hex("78 0002 0910 0003 419a02")));
    CHECK_FALSE(is_keyframe(Codec::H264, test::hex("78 0009 6742")));  // size beyond the packet
    CHECK(is_keyframe(Codec::H264, test::hex("7c 85 b8 00")));         // FU-A start of an IDR
    CHECK_FALSE(is_keyframe(Codec::H264, test::hex("7c 05 b8 00")));   // FU-A middle
    CHECK_FALSE(is_keyframe(Codec::H264, test::hex("7c")));
}

TEST_CASE("keyframes: AV1 N bit, and codecs without keyframes", "[sfu][keyframe]") {
    CHECK(is_keyframe(Codec::Av1, test::hex("18 0a0b")));
    CHECK_FALSE(is_keyframe(Codec::Av1, test::hex("10 0a0b")));
    CHECK_FALSE(is_keyframe(Codec::Opus, test::hex("fc ff fe")));
}

TEST_CASE("rewriter: continuous numbering across layer switches and pauses", "[sfu][rewrite]") {
    StreamRewriter rw{90000};
    // Layer 0 (SSRC 100) from seq 5000; the first packet keeps its numbers.
    auto o = rw.forward(100, 5000, 1'000'000, 0);
    CHECK(o.seq == 5000);
    CHECK(o.ts == 1'000'000);
    o = rw.forward(100, 5001, 1'003'000, 33'333);
    CHECK(o.seq == 5001);
    CHECK(o.ts == 1'003'000);
    // A loss within a source stays a gap (the subscriber NACKs it), reordering maps back.
    o = rw.forward(100, 5003, 1'006'000, 66'666);
    CHECK(o.seq == 5003);
    o = rw.forward(100, 5002, 1'006'000, 70'000);
    CHECK(o.seq == 5002);
    CHECK(rw.last_seq() == 5003);
    // Switch to layer 2 (SSRC 300), numbered elsewhere: the next number, and the timestamp
    // advances by the 33.3 ms that passed (3000 ticks at 90 kHz).
    o = rw.forward(300, 60'000, 77, 99'999);
    CHECK(o.seq == 5004);
    CHECK(o.ts == 1'006'000 + 2999);
    o = rw.forward(300, 60'001, 77 + 3000, 133'333);
    CHECK(o.seq == 5005);
    CHECK(o.ts == 1'006'000 + 2999 + 3000);
    // Wrap-around of the source numbering is seamless.
    StreamRewriter w{48000};
    w.forward(1, 65534, 0, 0);
    CHECK(w.forward(1, 65535, 960, 20'000).seq == 65535);
    CHECK(w.forward(1, 0, 1920, 40'000).seq == 0);
    CHECK(w.forward(1, 1, 2880, 60'000).seq == 1);
    // Pause and resume: no gap, the timestamp moves on by the paused time.
    w.pause();
    o = w.forward(1, 500, 500 * 960, 1'060'000);
    CHECK(o.seq == 2);
    CHECK(o.ts == 2880 + 48000);
}

TEST_CASE("rewriter: dropped packets leave no gap; other sources' drops are ignored",
          "[sfu][rewrite]") {
    StreamRewriter rw{90000};
    rw.forward(7, 100, 0, 0);
    rw.drop(7, 101);  // a temporal layer the subscriber does not get
    rw.drop(7, 102);
    CHECK(rw.forward(7, 103, 3000, 1000).seq == 101);
    rw.drop(9, 104);  // not the current source
    CHECK(rw.forward(7, 104, 6000, 2000).seq == 102);
    rw.drop(7, 90);  // older than what was sent: nothing to close
    CHECK(rw.forward(7, 105, 9000, 3000).seq == 103);
}

TEST_CASE("layer switch: only at a keyframe of the target, pause stops everything",
          "[sfu][layers]") {
    LayerSwitch ls;
    ls.set_target(1);
    CHECK(ls.wants_keyframe());
    CHECK_FALSE(ls.accept(1, false));  // nothing flows until the target's keyframe
    CHECK_FALSE(ls.accept(0, true));   // another layer's keyframe does not help
    CHECK(ls.accept(1, true));
    CHECK(ls.current() == 1);
    CHECK_FALSE(ls.wants_keyframe());
    CHECK(ls.accept(1, false));
    CHECK_FALSE(ls.accept(2, true));  // not the target
    // Down-switch: layer 1 keeps flowing until layer 0 has a keyframe.
    ls.set_target(0);
    CHECK(ls.wants_keyframe());
    CHECK(ls.accept(1, false));
    CHECK_FALSE(ls.accept(0, false));
    CHECK(ls.accept(0, true));
    CHECK_FALSE(ls.accept(1, false));
    CHECK(ls.switches() == 2);
    ls.set_target(LayerSwitch::kNone);
    CHECK_FALSE(ls.accept(0, true));
    CHECK_FALSE(ls.wants_keyframe());
}

TEST_CASE("retransmit cache: NACKed packets found once per interval, old ones gone",
          "[sfu][nack]") {
    RetransmitCache<int> cache{4, 1'000'000};  // 4 slots
    CHECK(cache.slots() == 4);
    for (uint16_t s = 10; s < 14; ++s) {
        CHECK(cache.store(s, s * 10, 0) == 0);  // nothing displaced yet
    }
    CHECK(cache.for_resend(12, 100, 50'000) == 120);
    CHECK(cache.for_resend(12, 200, 50'000) == 0);       // within the interval: once
    CHECK(cache.for_resend(12, 60'000, 50'000) == 120);  // a later NACK after an RTT
    CHECK(cache.store(14, 140, 1000) == 100);            // evicts seq 10, returned for release
    CHECK(cache.for_resend(10, 2000, 0) == 0);           // gone
    CHECK(cache.for_resend(14, 1'500'000, 0) == 0);      // too old for the receiver
    CHECK(cache.resent() == 2);
    CHECK(cache.throttled() == 1);
    int released = 0;
    cache.clear([&](int) { ++released; });
    CHECK(released == 4);
}
