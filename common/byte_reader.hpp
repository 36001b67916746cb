// Bounds-checked big-endian reader and writer over byte spans.
//
// Every wire parser reads through ByteReader, so no parser does pointer arithmetic of its own
// (style guide §5). The first out-of-bounds access latches the reader into the failed state;
// later reads return zeros and callers check ok() once at the end of a block.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tern {

using ByteSpan = std::span<const std::byte>;
using MutableByteSpan = std::span<std::byte>;

inline ByteSpan as_bytes(const void* p, std::size_t n) noexcept {
    return {static_cast<const std::byte*>(p), n};
}
inline MutableByteSpan as_writable_bytes(void* p, std::size_t n) noexcept {
    return {static_cast<std::byte*>(p), n};
}

inline uint16_t load_u16be(const std::byte* p) noexcept {
    return static_cast<uint16_t>((std::to_integer<uint16_t>(p[0]) << 8) |
                                 std::to_integer<uint16_t>(p[1]));
}
inline uint32_t load_u32be(const std::byte* p) noexcept {
    return (std::to_integer<uint32_t>(p[0]) << 24) | (std::to_integer<uint32_t>(p[1]) << 16) |
           (std::to_integer<uint32_t>(p[2]) << 8) | std::to_integer<uint32_t>(p[3]);
}
inline void store_u16be(std::byte* p, uint16_t v) noexcept {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v & 0xff);
}
inline void store_u32be(std::byte* p, uint32_t v) noexcept {
    p[0] = std::byte(v >> 24);
    p[1] = std::byte((v >> 16) & 0xff);
    p[2] = std::byte((v >> 8) & 0xff);
    p[3] = std::byte(v & 0xff);
}

class ByteReader {
public:
    explicit ByteReader(ByteSpan buf) noexcept : buf_(buf) {}

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return ok_ ? buf_.size() - pos_ : 0; }
    [[nodiscard]] ByteSpan rest() const noexcept { return ok_ ? buf_.subspan(pos_) : ByteSpan{}; }

    uint8_t u8() noexcept {
        if (!need(1)) {
            return 0;
        }
        return std::to_integer<uint8_t>(buf_[pos_++]);
    }
    uint16_t u16be() noexcept {
        if (!need(2)) {
            return 0;
        }
        const uint16_t v = load_u16be(buf_.data() + pos_);
        pos_ += 2;
        return v;
    }
    uint32_t u32be() noexcept {
        if (!need(4)) {
            return 0;
        }
        const uint32_t v = load_u32be(buf_.data() + pos_);
        pos_ += 4;
        return v;
    }
    ByteSpan bytes(std::size_t n) noexcept {
        if (!need(n)) {
            return {};
        }
        ByteSpan s = buf_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    template <std::size_t N>
    void copy_to(std::array<uint8_t, N>& out) noexcept {
        ByteSpan s = bytes(N);
        if (!s.empty()) {
            std::memcpy(out.data(), s.data(), N);
        }
    }
    void skip(std::size_t n) noexcept { (void)bytes(n); }

private:
    bool need(std::size_t n) noexcept {
        if (!ok_ || buf_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }

    ByteSpan buf_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

class ByteWriter {
public:
    explicit ByteWriter(MutableByteSpan buf) noexcept : buf_(buf) {}

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t size() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return ok_ ? buf_.size() - pos_ : 0; }
    [[nodiscard]] ByteSpan written() const noexcept { return buf_.first(pos_); }
    [[nodiscard]] std::byte* at(std::size_t off) noexcept { return buf_.data() + off; }

    void u8(uint8_t v) noexcept {
        if (need(1)) {
            buf_[pos_++] = std::byte(v);
        }
    }
    void u16be(uint16_t v) noexcept {
        if (need(2)) {
            store_u16be(buf_.data() + pos_, v);
            pos_ += 2;
        }
    }
    void u32be(uint32_t v) noexcept {
        if (need(4)) {
            store_u32be(buf_.data() + pos_, v);
            pos_ += 4;
        }
    }
    void bytes(ByteSpan s) noexcept {
        if (need(s.size())) {
            if (!s.empty()) {
                std::memcpy(buf_.data() + pos_, s.data(), s.size());
            }
            pos_ += s.size();
        }
    }
    void zeros(std::size_t n) noexcept {
        if (need(n)) {
            std::memset(buf_.data() + pos_, 0, n);
            pos_ += n;
        }
    }
    /// Marks the writer failed, e.g. when a value cannot be encoded at all.
    void fail() noexcept { ok_ = false; }
    /// Reserves n bytes to be filled later (lengths, checksums); returns their offset.
    std::size_t reserve(std::size_t n) noexcept {
        const std::size_t off = pos_;
        zeros(n);
        return off;
    }

private:
    bool need(std::size_t n) noexcept {
        if (!ok_ || buf_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }

    MutableByteSpan buf_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace tern
