// SRTP's replay protection and packet index (RFC 3711 §3.3.1, §3.3.2 and Appendix A), as
// inline functions for the per-packet path: a 128-packet window per stream, bit i of the map
// standing for index (highest - i).
#pragma once

#include "common/srtp/srtp.hpp"

#include <cstdint>

namespace tern::srtp::detail {

constexpr uint64_t kWindow = 128;  // replay window, packets

inline Status replay_check(const uint64_t w[2], uint64_t highest, bool started, uint64_t idx) {
    if (!started || idx > highest) {
        return Status::Ok;
    }
    const uint64_t d = highest - idx;
    if (d >= kWindow) {
        return Status::ReplayOld;
    }
    return ((w[d / 64] >> (d % 64)) & 1) != 0 ? Status::ReplayDuplicate : Status::Ok;
}

inline void replay_add(uint64_t w[2], uint64_t& highest, bool& started, uint64_t idx) {
    if (!started) {
        w[0] = 1;
        w[1] = 0;
        highest = idx;
        started = true;
        return;
    }
    if (idx > highest) {
        const uint64_t s = idx - highest;
        if (s >= kWindow) {
            w[0] = w[1] = 0;
        } else if (s >= 64) {
            w[1] = w[0] << (s - 64);
            w[0] = 0;
        } else {
            w[1] = (w[1] << s) | (w[0] >> (64 - s));
            w[0] <<= s;
        }
        w[0] |= 1;
        highest = idx;
        return;
    }
    const uint64_t d = highest - idx;
    w[d / 64] |= uint64_t{1} << (d % 64);
}

/// RFC 3711 Appendix A: the rollover counter a sequence number most likely belongs to, as an
/// index; false when it would precede the stream's first ROC.
inline bool estimate_index(bool started, uint32_t roc, uint16_t s_l, uint16_t seq, uint64_t& idx) {
    int64_t v = roc;
    if (started) {
        if (s_l < 32768) {
            if (static_cast<int>(seq) - static_cast<int>(s_l) > 32768) {
                v = int64_t{roc} - 1;
            }
        } else if (static_cast<int>(s_l) - 32768 > static_cast<int>(seq)) {
            v = int64_t{roc} + 1;
        }
    }
    if (v < 0 || v > 0xffffffffLL) {
        return false;
    }
    idx = (static_cast<uint64_t>(v) << 16) | seq;
    return true;
}

}  // namespace tern::srtp::detail
