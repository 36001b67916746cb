#include "dataplane/sfu/send_history.hpp"

namespace tern::sfu {

int64_t SendHistory::unwrap(uint16_t seq) const noexcept {
    if (newest_ < 0) {
        return seq;
    }
    // The signed 16-bit distance from the newest number: within ±32,767 of it.
    const auto ahead = static_cast<int16_t>(static_cast<uint16_t>(seq - newest_));
    return newest_ + ahead;
}

void SendHistory::record(uint16_t seq, int64_t send_us, uint32_t bytes, int16_t cluster) noexcept {
    // Numbers start at 2^16 so that one unwrapped a little behind the first stays positive.
    const int64_t u = newest_ < 0 ? int64_t{seq} + 65536 : unwrap(seq);
    if (u > newest_) {
        newest_ = u;
    }
    Sent& s = ring_[static_cast<std::size_t>(u) % kCapacity];
    s = Sent{u, send_us, bytes, cluster, false, false};
}

SendHistory::Sent* SendHistory::find(uint16_t seq) noexcept {
    if (newest_ < 0) {
        return nullptr;
    }
    const int64_t u = unwrap(seq);
    if (u < 0 || u > newest_) {
        return nullptr;
    }
    Sent& s = ring_[static_cast<std::size_t>(u) % kCapacity];
    return s.seq == u ? &s : nullptr;
}

}  // namespace tern::sfu
