#include "signaling/net/connection_gate.hpp"

namespace tern::sig::net {

ConnectionGate::Slot& ConnectionGate::Slot::operator=(Slot&& o) noexcept {
    if (this != &o) {
        release();
        gate_ = o.gate_;
        ip_ = std::move(o.ip_);
        o.gate_ = nullptr;
    }
    return *this;
}

void ConnectionGate::Slot::release() noexcept {
    if (gate_ != nullptr) {
        gate_->release(ip_);
        gate_ = nullptr;
    }
}

ConnectionGate::ConnectionGate(const LimitsConfig& limits)
    : limiter_(limits.connections_per_ip, limits.tracked_addresses),
      bad_(exempt_.add(limits.exempt)) {}

ConnectionGate::Admission ConnectionGate::admit(std::string_view ip) {
    if (exempt_.contains(ip)) {
        return {Outcome::Exempt, {}};
    }
    std::lock_guard lock(mu_);
    switch (limiter_.admit(ip)) {
    case ConnectionLimiter::Verdict::Admitted:
        return {Outcome::Admitted, Slot(this, std::string(ip))};
    case ConnectionLimiter::Verdict::Refused: return {Outcome::Refused, {}};
    case ConnectionLimiter::Verdict::Untracked: break;
    }
    return {Outcome::Untracked, {}};
}

std::size_t ConnectionGate::tracked() const {
    std::lock_guard lock(mu_);
    return limiter_.tracked();
}

void ConnectionGate::release(std::string_view ip) noexcept {
    std::lock_guard lock(mu_);
    limiter_.release(ip);
}

}  // namespace tern::sig::net
