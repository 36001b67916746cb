// `ternctl top`: a live view of the appliance, redrawn every interval from two samples of the
// control plane's status document (`stats`, the same JSON `ternctl --json stats` prints) and of
// its TURN allocations (`turn-list`). Rates are the difference of two samples over the time
// between them, so the view costs the data plane nothing beyond what `ternctl stats` costs.
//
// What it shows, busiest first where there is an order: each worker lcore's busy share of its
// polling loop, its loop rate and its drops; each port's and queue's packets and bits per
// second and drops; the SFU's publishers, subscribers and the subscribers' estimates and layers;
// the TURN allocations moving the most bytes ("top talkers"). rendering is pure (render_top) and
// unit-tested; run_top is the loop around it.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tern::ctl {

/// One sample: what the control plane answered to `stats` and `turn-list`, and when (seconds
/// on a monotonic clock). (clang-tidy cannot see that nlohmann::json's noexcept move, which
/// this struct's implicit move calls, does not throw.)
struct TopSample {  // NOLINT(bugprone-exception-escape)
    nlohmann::json stats;
    nlohmann::json turn;
    double at_s = 0;
};

/// One screen of text from two samples of the same data plane (`before` older than `now`);
/// `max_rows` bounds each table. Counters that went backwards (a data plane restart between
/// the samples) count as zero.
std::string render_top(const TopSample& before, const TopSample& now, std::size_t max_rows);

struct TopOptions {
    double interval_s = 1.0;
    std::optional<unsigned> count;  // screens to draw, then exit 0 (scripts); none: until ^C
    bool clear_screen = true;       // ANSI clear before each screen (a terminal on stdout)
    std::size_t max_rows = 10;
};

/// Samples with `fetch` (nullopt plus a message in `error` when the control plane does not
/// answer), draws a screen per interval on stdout, ends on SIGINT/SIGTERM or after
/// `options.count` screens. Returns the exit status: 0, or 1 when a sample failed.
int run_top(const std::function<std::optional<TopSample>(std::string& error)>& fetch,
            const TopOptions& options);

}  // namespace tern::ctl
