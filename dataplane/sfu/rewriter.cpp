#include "dataplane/sfu/rewriter.hpp"

namespace tern::sfu {

StreamRewriter::Out StreamRewriter::forward(uint32_t source, uint16_t seq, uint32_t ts,
                                            uint64_t now_us) noexcept {
    if (!started_ || rebase_ || source != source_) {
        const uint16_t out_seq = started_ ? static_cast<uint16_t>(last_out_seq_ + 1) : seq;
        seq_offset_ = static_cast<uint16_t>(out_seq - seq);
        if (started_) {
            // Advance the timestamp by the wall time since the last packet sent (at least one
            // tick), so the receiver's jitter buffer sees time moving at the usual pace.
            const uint64_t elapsed = now_us > last_out_us_ ? now_us - last_out_us_ : 0;
            uint64_t ticks = elapsed * clock_hz_ / 1'000'000;
            if (ticks == 0) {
                ticks = 1;
            }
            ts_offset_ = static_cast<uint32_t>(last_out_ts_ + ticks) - ts;
        } else {
            ts_offset_ = 0;
        }
        source_ = source;
        max_in_seq_ = seq;
        started_ = true;
        rebase_ = false;
        last_out_seq_ = static_cast<uint16_t>(seq + seq_offset_);
        last_out_ts_ = ts + ts_offset_;
        last_out_us_ = now_us;
        return {last_out_seq_, last_out_ts_};
    }
    const Out out{static_cast<uint16_t>(seq + seq_offset_), ts + ts_offset_};
    if (seq_newer(seq, max_in_seq_)) {
        max_in_seq_ = seq;
        last_out_seq_ = out.seq;
        last_out_ts_ = out.ts;
        last_out_us_ = now_us;
    }
    return out;
}

void StreamRewriter::drop(uint32_t source, uint16_t seq) noexcept {
    if (!started_ || source != source_ || !seq_newer(seq, max_in_seq_)) {
        return;
    }
    // The next packet takes this one's number. (A reordered packet older than the drop keeps
    // the offset of the newer ones; at worst the subscriber sees one duplicate number.)
    --seq_offset_;
    max_in_seq_ = seq;
}

}  // namespace tern::sfu
