#include "signaling/backend/rooms/room_token.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace tern::sig::backend {

namespace {

constexpr std::string_view kTokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kMaxPhoneDigits = 32;

/// A character of `alphabet` (size below 256) drawn without bias, bytes taken from `pool`
/// (refilled from `random` when used up).
class Draw {
public:
    explicit Draw(const RandomBytes& random) : random_(random) {}

    char from(std::string_view alphabet) {
        const unsigned size = static_cast<unsigned>(alphabet.size());
        const unsigned limit = 256 - 256 % size;  // bytes at or above this would favour some
        for (;;) {
            if (next_ == pool_.size()) {
                random_(pool_);
                next_ = 0;
            }
            const unsigned b = pool_[next_++];
            if (b < limit) {
                return alphabet[b % size];
            }
        }
    }

private:
    const RandomBytes& random_;  // borrowed
    std::array<unsigned char, 32> pool_{};
    std::size_t next_ = pool_.size();
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

RandomBytes system_random_bytes() {
    return [](std::span<unsigned char> out) {
        if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
            throw std::runtime_error("the system's random generator failed");
        }
    };
}

std::string make_room_token(const RandomBytes& random) {
    Draw draw(random);
    std::string token;
    for (std::size_t i = 0; i < kRoomTokenLen; ++i) {
        token.push_back(draw.from(kTokenAlphabet));
    }
    return token;
}

bool is_room_token(std::string_view text) noexcept {
    if (text.size() != kRoomTokenLen) {
        return false;
    }
    for (const char c : text) {
        if (kTokenAlphabet.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

std::string make_phone_digits(const RandomBytes& random, std::size_t digits) {
    Draw draw(random);
    std::string out;
    out.push_back(draw.from("123456789"));
    while (out.size() < digits) {
        const char c = draw.from("0123456789");
        if (c != out.back()) {
            out.push_back(c);
        }
    }
    return out;
}

bool is_phone_digits(std::string_view text, std::size_t min_len) noexcept {
    if (text.size() < min_len || text.size() > kMaxPhoneDigits || text.empty() ||
        text.front() == '0') {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_digit(text[i]) || (i > 0 && text[i] == text[i - 1])) {
            return false;
        }
    }
    return true;
}

}  // namespace tern::sig::backend
