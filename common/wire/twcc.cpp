#include "common/wire/twcc.hpp"

#include <algorithm>
#include <array>

namespace tern::wire::twcc {

namespace {

constexpr std::size_t kHeaderBytes =
    20;  // common header, two SSRCs, base/count, reference/fb count
constexpr std::size_t kMaxStatuses = 4096;  // per packet written (a 100 ms report holds far fewer)
constexpr uint16_t kMaxRun = 0x1fff;

int64_t ticks_of(int64_t us) {
    return (us + kDeltaTickUs / 2) / kDeltaTickUs;
}

/// Chunks for symbols[0, n): a run when at least 14 (or all that remain) share a symbol, else a
/// one-bit vector of 14 when none of them needs a two-byte delta, else a two-bit vector of 7.
std::size_t make_chunks(const uint8_t* sym, std::size_t n, uint16_t* chunks) {
    std::size_t c = 0;
    std::size_t i = 0;
    while (i < n) {
        std::size_t run = 1;
        while (i + run < n && sym[i + run] == sym[i] && run < kMaxRun) {
            ++run;
        }
        if (run >= 14 || i + run == n) {
            chunks[c++] = static_cast<uint16_t>((sym[i] << 13) | run);
            i += run;
            continue;
        }
        const std::size_t take14 = std::min<std::size_t>(14, n - i);
        if (std::none_of(sym + i, sym + i + take14, [](uint8_t s) { return s == 2; })) {
            uint16_t v = 0x8000;
            for (std::size_t k = 0; k < take14; ++k) {
                v = static_cast<uint16_t>(v | (sym[i + k] << (13 - k)));
            }
            chunks[c++] = v;
            i += take14;
            continue;
        }
        const std::size_t take7 = std::min<std::size_t>(7, n - i);
        uint16_t v = 0xc000;
        for (std::size_t k = 0; k < take7; ++k) {
            v = static_cast<uint16_t>(v | (sym[i + k] << (12 - 2 * k)));
        }
        chunks[c++] = v;
        i += take7;
    }
    return c;
}

}  // namespace

std::size_t write_feedback(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc,
                           uint16_t base_seq, std::span<const int64_t> arrivals_us,
                           uint8_t feedback_count) noexcept {
    std::size_t first = 0;
    while (first < arrivals_us.size() && arrivals_us[first] < 0) {
        ++first;
    }
    if (first == arrivals_us.size()) {
        return 0;
    }
    std::array<uint8_t, kMaxStatuses> sym;
    std::array<int16_t, kMaxStatuses> delta;
    std::array<uint16_t, kMaxStatuses> chunks;
    // The reference time is the first arrival rounded down to 64 ms; deltas are kept in whole
    // ticks from it so that rounding does not accumulate.
    const int64_t reference = arrivals_us[first] / kReferenceTickUs;
    int64_t last = reference * (kReferenceTickUs / kDeltaTickUs);
    std::size_t n = 0;
    const std::size_t limit = std::min(arrivals_us.size(), kMaxStatuses);
    for (; n < limit; ++n) {
        if (arrivals_us[n] < 0) {
            sym[n] = 0;
            continue;
        }
        const int64_t t = ticks_of(arrivals_us[n]);
        const int64_t d = t - last;
        if (d < INT16_MIN || d > INT16_MAX) {
            break;  // the rest goes in the next packet, with its own reference time
        }
        sym[n] = d >= 0 && d <= 255 ? 1 : 2;
        delta[n] = static_cast<int16_t>(d);
        last = t;
    }
    // Shrink until it fits the writer's room.
    for (;;) {
        const std::size_t c = make_chunks(sym.data(), n, chunks.data());
        std::size_t deltas = 0;
        for (std::size_t i = 0; i < n; ++i) {
            deltas += sym[i];  // 0, 1 or 2 bytes
        }
        const std::size_t body = kHeaderBytes + 2 * c + deltas;
        const std::size_t padded = (body + 3) & ~std::size_t{3};
        if (padded > w.remaining() || padded / 4 - 1 > UINT16_MAX) {
            n /= 2;
            while (n > first && sym[n - 1] == 0) {
                --n;  // end on a received packet: a later report covers the gap
            }
            if (n <= first) {
                return 0;
            }
            continue;
        }
        const std::size_t pad = padded - body;
        w.u8(static_cast<uint8_t>(0x80 | (pad != 0 ? 0x20 : 0) | kFmt));
        w.u8(rtcp::kRtpfb);
        w.u16be(static_cast<uint16_t>(padded / 4 - 1));
        w.u32be(sender_ssrc);
        w.u32be(media_ssrc);
        w.u16be(base_seq);
        w.u16be(static_cast<uint16_t>(n));
        const auto ref24 = static_cast<uint32_t>(reference) & 0xffffffU;
        w.u8(static_cast<uint8_t>(ref24 >> 16));
        w.u16be(static_cast<uint16_t>(ref24));
        w.u8(feedback_count);
        for (std::size_t i = 0; i < c; ++i) {
            w.u16be(chunks[i]);
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (sym[i] == 1) {
                w.u8(static_cast<uint8_t>(delta[i]));
            } else if (sym[i] == 2) {
                w.u16be(static_cast<uint16_t>(delta[i]));
            }
        }
        if (pad != 0) {
            w.zeros(pad - 1);
            w.u8(static_cast<uint8_t>(pad));  // RFC 3550 §6.4.1: the last octet counts the padding
        }
        return w.ok() ? n : 0;
    }
}

bool parse_feedback(const rtcp::Packet& p, Feedback& fb, std::span<int64_t> arrivals_us,
                    std::size_t& n, Error& why) noexcept {
    n = 0;
    if (p.type != rtcp::kRtpfb || p.count != kFmt) {
        why = Error::Unsupported;
        return false;
    }
    if (p.body.size() < 12) {
        why = Error::Truncated;
        return false;
    }
    const std::byte* b = p.body.data();
    fb.media_ssrc = load_u32be(b);
    fb.base_seq = load_u16be(b + 4);
    fb.status_count = load_u16be(b + 6);
    const uint32_t ref = (std::to_integer<uint32_t>(b[8]) << 16) | load_u16be(b + 9);
    fb.reference_time = static_cast<int32_t>(ref << 8) >> 8;  // sign-extend 24 bits
    fb.feedback_count = std::to_integer<uint8_t>(b[11]);
    const std::size_t size = p.body.size();
    // First pass: where the chunks end (they cover status_count statuses).
    std::size_t pos = 12;
    std::size_t statuses = 0;
    while (statuses < fb.status_count) {
        if (pos + 2 > size) {
            why = Error::Truncated;
            return false;
        }
        const uint16_t c = load_u16be(b + pos);
        pos += 2;
        if ((c & 0x8000) == 0) {
            if (((c >> 13) & 3) == 3) {
                why = Error::Malformed;  // §3.1.3: symbol 11 is reserved
                return false;
            }
            statuses += c & kMaxRun;
        } else {
            statuses += (c & 0x4000) != 0 ? 7 : 14;
        }
    }
    const std::size_t chunks_end = pos;
    // Second pass: symbols in order, each received one with its delta.
    int64_t ticks = int64_t{fb.reference_time} * (kReferenceTickUs / kDeltaTickUs);
    std::size_t dpos = chunks_end;
    std::size_t done = 0;
    auto status = [&](uint8_t s) -> bool {
        if (done >= fb.status_count) {
            return true;  // a vector's symbols past the count are padding
        }
        int64_t at = kNotReceived;
        if (s == 1) {
            if (dpos + 1 > size) {
                why = Error::Truncated;
                return false;
            }
            ticks += std::to_integer<uint8_t>(b[dpos]);
            dpos += 1;
            at = ticks * kDeltaTickUs;
        } else if (s == 2) {
            if (dpos + 2 > size) {
                why = Error::Truncated;
                return false;
            }
            ticks += static_cast<int16_t>(load_u16be(b + dpos));
            dpos += 2;
            at = ticks * kDeltaTickUs;
        } else if (s == 3) {
            why = Error::Malformed;  // §3.1.4: a reserved two-bit symbol
            return false;
        }
        if (n < arrivals_us.size()) {
            arrivals_us[n++] = at;
        }
        ++done;
        return true;
    };
    for (pos = 12; pos < chunks_end; pos += 2) {
        const uint16_t c = load_u16be(b + pos);
        if ((c & 0x8000) == 0) {
            const auto s = static_cast<uint8_t>((c >> 13) & 3);
            const std::size_t run = std::min<std::size_t>(c & kMaxRun, fb.status_count - done);
            if (s == 0) {
                for (std::size_t k = 0; k < run; ++k) {
                    (void)status(0);
                }
                continue;
            }
            for (std::size_t k = 0; k < run; ++k) {
                if (!status(s)) {
                    return false;
                }
            }
        } else if ((c & 0x4000) == 0) {
            for (int k = 13; k >= 0; --k) {
                if (!status(static_cast<uint8_t>((c >> k) & 1))) {
                    return false;
                }
            }
        } else {
            for (int k = 12; k >= 0; k -= 2) {
                if (!status(static_cast<uint8_t>((c >> k) & 3))) {
                    return false;
                }
            }
        }
    }
    return true;
}

}  // namespace tern::wire::twcc
