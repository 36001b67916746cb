// The layer allocator: audio reserved first, screens before cameras, lowest layers first then
// round-robin upgrades, hysteresis, the client's maximum and the caps, pausing and resuming.
// And the per-layer rate meter it reads.
#include "dataplane/sfu/layer_allocator.hpp"
#include "dataplane/sfu/layer_rate_meter.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern::sfu;

namespace {

/// A simulcast camera: three layers of 150, 500 and 900 kbit/s, without temporal layers.
VideoDemand camera(LayerTarget current = {}) {
    VideoDemand v;
    v.bps[0] = {150'000, 150'000, 150'000, 150'000};
    v.bps[1] = {500'000, 500'000, 500'000, 500'000};
    v.bps[2] = {900'000, 900'000, 900'000, 900'000};
    v.current = current;
    return v;
}

constexpr int kAll = VideoDemand::kTemporal - 1;

}  // namespace

TEST_CASE("LayerAllocator: one camera follows the estimate, audio reserved first",
          "[sfu][layers]") {
    const LayerAllocator a;
    std::vector<VideoDemand> v{camera()};
    // 1 Mbit/s with one audio stream: 950 k for video, the 900 k layer needs 1.15 x to go up.
    auto r = a.allocate(1'000'000, 1, v);
    REQUIRE(r.n == 1);
    CHECK(r.targets[0] == LayerTarget{1, kAll});
    CHECK(r.used_bps == 550'000);
    CHECK(r.upgrade_bps == 50'000 + 1'035'000);  // what the next step needs, for a probe
    CHECK(r.wanted_bps == 950'000);
    r = a.allocate(1'200'000, 1, v);
    CHECK(r.targets[0] == LayerTarget{2, kAll});
    CHECK(r.upgrade_bps == 0);
    // 300 kbit/s: the lowest layer.
    CHECK(a.allocate(300'000, 1, v).targets[0] == LayerTarget{0, kAll});
    // Below audio + the lowest layer: paused, and it says what resuming needs.
    r = a.allocate(190'000, 1, v);
    CHECK(r.targets[0] == LayerTarget{});
    CHECK(r.used_bps == 50'000);
    CHECK(r.upgrade_bps == 50'000 + 172'500);
    // Without audio the same estimate carries the lowest layer.
    CHECK(a.allocate(190'000, 0, v).targets[0] == LayerTarget{0, kAll});
}

TEST_CASE("LayerAllocator: hysteresis: down at once, up only with a margin", "[sfu][layers]") {
    const LayerAllocator a;
    // Holding layer 1 (500 k) needs 500 k; reaching it from layer 0 needs 575 k.
    std::vector<VideoDemand> v{camera(LayerTarget{1, kAll})};
    CHECK(a.allocate(500'000, 0, v).targets[0] == LayerTarget{1, kAll});
    CHECK(a.allocate(499'999, 0, v).targets[0] == LayerTarget{0, kAll});
    v[0].current = LayerTarget{0, kAll};
    CHECK(a.allocate(574'000, 0, v).targets[0] == LayerTarget{0, kAll});
    CHECK(a.allocate(575'000, 0, v).targets[0] == LayerTarget{1, kAll});
    // Paused, it resumes only with the margin too.
    v[0].current = LayerTarget{};
    CHECK(a.allocate(160'000, 0, v).targets[0] == LayerTarget{});
    CHECK(a.allocate(172'500, 0, v).targets[0] == LayerTarget{0, kAll});
    // Upgrades on hold (a recent downgrade): plenty of room changes nothing; down still works.
    v[0].current = LayerTarget{0, kAll};
    v[0].may_upgrade = false;
    CHECK(a.allocate(5'000'000, 0, v).targets[0] == LayerTarget{0, kAll});
    CHECK(a.allocate(5'000'000, 0, v).upgrade_bps == 0);
    CHECK(a.allocate(100'000, 0, v).targets[0] == LayerTarget{});
    v[0].current = LayerTarget{};
    CHECK(a.allocate(5'000'000, 0, v).targets[0] == LayerTarget{});
}

TEST_CASE("LayerAllocator: a video short of budget only lately keeps its lowest layer",
          "[sfu][layers]") {
    const LayerAllocator a;
    // On layer 1, the estimate falls under audio + the lowest layer (one reading of delay
    // noise): down to the lowest layer at once, but not paused while the caller says so.
    std::vector<VideoDemand> v{camera(LayerTarget{1, kAll}), camera(LayerTarget{0, kAll})};
    v[0].may_pause = false;
    v[1].may_pause = false;
    auto r = a.allocate(120'000, 1, v);
    CHECK(r.targets[0] == LayerTarget{0, kAll});
    CHECK(r.targets[1] == LayerTarget{0, kAll});
    CHECK(r.short_of_budget[0]);
    CHECK(r.short_of_budget[1]);
    CHECK(r.used_bps == 50'000 + 300'000);  // more than the estimate: what it costs now
    // With room for one: the first keeps it within the budget, the second is short.
    r = a.allocate(220'000, 1, v);
    CHECK_FALSE(r.short_of_budget[0]);
    CHECK(r.short_of_budget[1]);
    CHECK(r.targets[1] == LayerTarget{0, kAll});
    // Once the shortage has lasted (the caller's may_pause), it pauses.
    v[1].may_pause = true;
    r = a.allocate(220'000, 1, v);
    CHECK(r.targets[1] == LayerTarget{});
    CHECK(r.short_of_budget[1]);
    // A paused video is not resumed by it: resuming needs the budget, with the margin.
    v[1] = camera();
    v[1].may_pause = false;
    CHECK(a.allocate(220'000, 1, v).targets[1] == LayerTarget{});
}

TEST_CASE("LayerAllocator: screen before camera, lowest layers first, then in turn",
          "[sfu][layers]") {
    const LayerAllocator a;
    VideoDemand screen = camera();
    screen.kind = VideoKind::Screen;
    std::vector<VideoDemand> v{camera(), camera(), screen};
    // 400 k: each lowest is 150 k (172.5 k with the margin): the screen first, then the first
    // camera; the second does not fit.
    auto r = a.allocate(400'000, 0, v);
    CHECK(r.targets[2] == LayerTarget{0, kAll});
    CHECK(r.targets[0] == LayerTarget{0, kAll});
    CHECK(r.targets[1] == LayerTarget{});
    // 1.1 M: all three lowest (450 k), then the screen up (its 575 k with the margin fits beside
    // the cameras' 300 k), then camera 0 does not (800 - 150 + 575 > 1.1 M).
    r = a.allocate(1'100'000, 0, v);
    CHECK(r.targets[2] == LayerTarget{1, kAll});
    CHECK(r.targets[0] == LayerTarget{0, kAll});
    CHECK(r.targets[1] == LayerTarget{0, kAll});
    // 2.8 M, in turn: screen, camera 0, camera 1 to layer 1 (1.5 M); screen and camera 0 to
    // layer 2 (2.3 M); camera 1 would need 2.3 M - 500 k + 1,035 k.
    r = a.allocate(2'800'000, 0, v);
    CHECK(r.targets[2] == LayerTarget{2, kAll});
    CHECK(r.targets[0] == LayerTarget{2, kAll});
    CHECK(r.targets[1] == LayerTarget{1, kAll});
    CHECK(r.used_bps == 2'300'000);
}

TEST_CASE("LayerAllocator: the client's maximum, the caps, temporal layers", "[sfu][layers]") {
    std::vector<VideoDemand> v{camera()};
    v[0].max_spatial = 1;  // selectStream MEDIUM
    const LayerAllocator a;
    CHECK(a.allocate(10'000'000, 0, v).targets[0] == LayerTarget{1, kAll});
    CHECK(a.allocate(10'000'000, 0, v).wanted_bps == 500'000);
    v[0].max_spatial = LayerTarget::kPaused;  // video: false
    CHECK(a.allocate(10'000'000, 0, v).targets[0] == LayerTarget{});
    // A camera cap under the high layer keeps it out; the lowest is allowed whatever the cap.
    v[0].max_spatial = 2;
    const LayerAllocator capped{LayerCaps{600'000, 2'000'000}};
    CHECK(capped.allocate(10'000'000, 0, v).targets[0] == LayerTarget{1, kAll});
    const LayerAllocator tiny{LayerCaps{100'000, 100'000}};
    CHECK(tiny.allocate(10'000'000, 0, v).targets[0] == LayerTarget{0, kAll});
    // VP8 with three temporal layers (cumulative 60/100/150 k at layer 0, 200/330/500 k at 1):
    // finer steps, and the top one of a layer asks for every temporal layer.
    VideoDemand t;
    t.bps[0] = {60'000, 100'000, 150'000, 150'000};
    t.bps[1] = {200'000, 330'000, 500'000, 500'000};
    std::vector<VideoDemand> tv{t};
    CHECK(a.allocate(110'000, 0, tv).targets[0] == LayerTarget{0, 0});
    CHECK(a.allocate(120'000, 0, tv).targets[0] == LayerTarget{0, 1});
    CHECK(a.allocate(300'000, 0, tv).targets[0] == LayerTarget{1, 0});
    CHECK(a.allocate(600'000, 0, tv).targets[0] == LayerTarget{1, kAll});
    tv[0].max_temporal = 1;
    CHECK(a.allocate(600'000, 0, tv).targets[0] == LayerTarget{1, 1});
    // Nothing measured yet: what the client asked for.
    std::vector<VideoDemand> none{VideoDemand{}};
    CHECK(a.allocate(50'000, 0, none).targets[0] == LayerTarget{2, kAll});
    // A layer that stopped flowing: held one step lower without the margin.
    v[0] = camera(LayerTarget{2, kAll});
    v[0].bps[2] = {};
    CHECK(a.allocate(500'000, 0, v).targets[0] == LayerTarget{1, kAll});
}

TEST_CASE("LayerAllocator: whole layers (a loss-free link) keep the frame rate asked for",
          "[sfu][layers]") {
    // Layer 0 at 60/100/150 k, layer 1 at 200/330/500 k, layer 2 at 500/800/1200 k.
    VideoDemand t;
    t.bps[0] = {60'000, 100'000, 150'000, 150'000};
    t.bps[1] = {200'000, 330'000, 500'000, 500'000};
    t.bps[2] = {500'000, 800'000, 1'200'000, 1'200'000};
    t.current = LayerTarget{2, kAll};
    std::vector<VideoDemand> v{t};
    const LayerAllocator a{LayerCaps{1'000'000, 2'000'000}};
    // Thinned: the cap keeps the top of layer 2 out, the budget takes its cheaper steps; the
    // step held is found on a ladder the cap cut short (it was taken for paused: the margin
    // on every step, and paused outright while upgrades were on hold).
    CHECK(a.allocate(900'000, 0, v).targets[0] == LayerTarget{2, 1});
    v[0].may_upgrade = false;
    CHECK(a.allocate(900'000, 0, v).targets[0] == LayerTarget{2, 1});
    v[0].may_upgrade = true;
    v[0].whole_layers = true;
    // Whole: layer 2 is within the cap by its base and goes at every temporal layer...
    CHECK(a.allocate(1'200'000, 0, v).targets[0] == LayerTarget{2, kAll});
    // ...or not at all: a smaller picture at the full frame rate.
    CHECK(a.allocate(900'000, 0, v).targets[0] == LayerTarget{1, kAll});
    // The lowest layer still thins before the video pauses.
    CHECK(a.allocate(80'000, 0, v).targets[0] == LayerTarget{0, 0});
    // A layer thinned before counts as the layer's one step (kept without the margin).
    v[0].current = LayerTarget{2, 1};
    CHECK(a.allocate(1'200'000, 0, v).targets[0] == LayerTarget{2, kAll});
}

TEST_CASE("LayerRateMeter: bit/s per temporal layer, cumulative, stale when stopped",
          "[sfu][layers]") {
    LayerRateMeter m;
    uint64_t now = 1'000'000;
    CHECK(m.bps(3, now) == 0);
    // 100 packets of 1,000 bytes per 500 ms window: TID 0, 1, 2, 0, 1, 2, ...
    for (int k = 0; k < 201; ++k, now += 5'000) {
        m.note(k % 3, 1'000, now);
    }
    CHECK(m.windows() == 2);
    CHECK(m.bps(0, now) == Approx(34 * 8'000 * 2).margin(8'000 * 2));
    CHECK(m.bps(2, now) == 1'600'000);
    CHECK(m.has(2));
    CHECK_FALSE(m.has(3));
    CHECK(m.bps(3, now) == m.bps(2, now));
    // No TID: all of it is layer 0.
    LayerRateMeter plain;
    for (int k = 0; k < 120; ++k) {
        plain.note(-1, 500, 1'000'000 + k * 5'000ULL);
    }
    CHECK(plain.bps(0, 1'600'000) == 800'000);
    CHECK(plain.bps(0, 1'600'000 + LayerRateMeter::kStaleUs) == 0);
}
