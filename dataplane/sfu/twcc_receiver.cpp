#include "dataplane/sfu/twcc_receiver.hpp"

namespace tern::sfu {

void TwccReceiver::restart(uint16_t seq) noexcept {
    for (uint16_t s = next_; s != static_cast<uint16_t>(highest_ + 1); ++s) {
        at_us_[s % kWindow] = -1;
    }
    next_ = seq;
    highest_ = seq;
}

void TwccReceiver::consume(std::size_t done) noexcept {
    for (std::size_t i = 0; i < done; ++i) {
        at_us_[static_cast<uint16_t>(next_ + i) % kWindow] = -1;
    }
    next_ = static_cast<uint16_t>(next_ + done);
}

}  // namespace tern::sfu
