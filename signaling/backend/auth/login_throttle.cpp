#include "signaling/backend/auth/login_throttle.hpp"

#include <algorithm>

namespace tern::sig::backend {

LoginThrottle::LoginThrottle(const LoginThrottleConfig& config)
    : config_(config),
      addresses_(config.attempts_per_second, std::max<uint32_t>(config.attempt_burst, 1),
                 config.tracked_addresses),
      user_interval_us_(uint64_t{config.user_failure_interval_s} * 1'000'000),
      user_tolerance_us_(
          config.user_failure_burst > 0 ? (config.user_failure_burst - 1) * user_interval_us_ : 0) {
}

std::string LoginThrottle::key_of(std::string_view user) {
    std::string k(user);
    for (char& c : k) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return k;
}

bool LoginThrottle::admit(std::string_view address, std::string_view user, uint64_t now_us) {
    if (config_.user_failure_burst > 0) {
        // GCRA: the next failure would be allowed when tat - tolerance <= now; while it is not,
        // attempts for this name are refused (and cost the address nothing more).
        const auto it = user_tat_.find(key_of(user));
        if (it != user_tat_.end() && it->second > now_us + user_tolerance_us_) {
            return false;
        }
    }
    return addresses_.admit(address, now_us);
}

void LoginThrottle::record_failure(std::string_view user, uint64_t now_us) {
    if (config_.user_failure_burst == 0) {
        return;
    }
    std::string key = key_of(user);
    auto it = user_tat_.find(key);
    if (it == user_tat_.end()) {
        if (user_tat_.size() >= config_.tracked_users) {
            forget_idle(now_us);
        }
        if (user_tat_.size() >= config_.tracked_users) {
            ++untracked_failures_;
            return;
        }
        it = user_tat_.emplace(std::move(key), now_us).first;
    }
    it->second = std::max(it->second, now_us) + user_interval_us_;
}

void LoginThrottle::record_success(std::string_view user) {
    user_tat_.erase(key_of(user));
}

void LoginThrottle::forget_idle(uint64_t now_us) {
    std::erase_if(user_tat_, [now_us](const auto& e) { return e.second <= now_us; });
}

}  // namespace tern::sig::backend
