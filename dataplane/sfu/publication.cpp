#include "dataplane/sfu/publication.hpp"

#include <algorithm>

namespace tern::sfu {

PacketStore::PacketStore(uint32_t slots) {
    uint32_t n = 1;
    while (n < slots) {
        n <<= 1;
    }
    bytes_.resize(std::size_t{n} * kSlotBytes);
    meta_.resize(n);
}

ByteSpan PacketStore::get(uint16_t seq, uint64_t now_us, uint64_t max_age_us) const noexcept {
    const std::size_t i = seq & (meta_.size() - 1);
    const Meta& m = meta_[i];
    if (m.at_us == 0 || m.seq != seq || now_us - m.at_us > max_age_us) {
        return {};
    }
    return ByteSpan{bytes_.data() + i * kSlotBytes, m.len};
}

wire::rtcp::ReportBlock ReceptionStats::report(uint32_t ssrc, uint64_t now_us) noexcept {
    const uint32_t extended = cycles_ + max_seq_;
    const uint32_t expected = extended - base_seq_ + 1;
    const uint32_t expected_interval = expected - expected_prior_;
    const uint32_t received_interval = received_ - received_prior_;
    expected_prior_ = expected;
    received_prior_ = received_;
    const int64_t lost_interval = int64_t{expected_interval} - received_interval;
    wire::rtcp::ReportBlock b;
    b.ssrc = ssrc;
    b.fraction_lost = expected_interval == 0 || lost_interval <= 0
                          ? 0
                          : static_cast<uint8_t>((lost_interval << 8) / expected_interval);
    b.cumulative_lost = static_cast<int32_t>(
        std::clamp<int64_t>(int64_t{expected} - received_, -0x800000, 0x7fffff));
    b.highest_seq = extended;
    b.jitter = jitter16_ >> 4;
    b.lsr = last_sr_;
    b.dlsr =
        last_sr_us_ == 0 ? 0 : static_cast<uint32_t>((now_us - last_sr_us_) * 65536 / 1'000'000);
    return b;
}

}  // namespace tern::sfu
