#include "dataplane/sfu/speech_detector.hpp"

namespace tern::sfu {

SpeechDetector::Change SpeechDetector::judge(uint64_t now_us, const SpeechParams& p) noexcept {
    const bool was = speaking_;
    if (!was && voiced_ >= p.start_packets) {
        speaking_ = true;
    } else if (was && voiced_ < p.stop_packets) {
        speaking_ = false;
    }
    Change c;
    if (speaking_ != was) {
        c.changed = true;
        c.speaking = speaking_;
        c.level = voiced_ == 0 ? 127 : static_cast<uint8_t>(level_sum_ / voiced_);
    }
    since_us_ = now_us;
    packets_ = 0;
    voiced_ = 0;
    level_sum_ = 0;
    return c;
}

SpeechDetector::Change SpeechDetector::silence(uint64_t now_us, const SpeechParams& p) noexcept {
    if (!speaking_ || now_us <= since_us_ || now_us - since_us_ < 2 * p.interval_us) {
        return {};
    }
    voiced_ = 0;
    return judge(now_us, p);
}

}  // namespace tern::sfu
