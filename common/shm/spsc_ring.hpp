// Single-producer/single-consumer ring of fixed-size slots living in shared memory.
//
// The ring is a header plus `capacity` slots inside a region both processes map (a memfd
// passed over the control socket). Each side holds its own RingProducer or RingConsumer view;
// the views cache the other side's index so a push or pop touches the shared cache line of the
// other side only when the cached value says the ring looks full (or empty). Indices are 64-bit
// and never wrap in practice; slot = index & (capacity - 1).
//
// Thread/process affinity: exactly one producer and one consumer at a time. Neither side ever
// blocks: a full ring makes try_push fail and the caller counts the drop.
#pragma once

#include "common/byte_reader.hpp"

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>

namespace tern::shm {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "rings in shared memory need address-free lock-free atomics");

inline constexpr uint32_t kRingMagic = 0x474e4952;  // "RING"

struct SlotHeader {
    uint32_t len;   // payload bytes
    uint16_t type;  // a MsgType
    uint16_t flags;
};

struct alignas(64) RingHeader {
    uint32_t magic;
    uint32_t slot_size;  // bytes per slot including SlotHeader; multiple of 64
    uint32_t capacity;   // slots; a power of two
    uint32_t reserved;
    alignas(64) std::atomic<uint64_t> head;  // next slot the consumer reads
    alignas(64) std::atomic<uint64_t> tail;  // next slot the producer writes

    [[nodiscard]] std::size_t max_payload() const noexcept {
        return slot_size - sizeof(SlotHeader);
    }
    std::byte* slot(uint64_t index) noexcept {
        return reinterpret_cast<std::byte*>(this + 1) +
               static_cast<std::size_t>(index & (capacity - 1)) * slot_size;
    }
};

/// Bytes needed for a ring of `capacity` slots of `slot_size` bytes.
constexpr std::size_t ring_bytes(uint32_t capacity, uint32_t slot_size) {
    return sizeof(RingHeader) + static_cast<std::size_t>(capacity) * slot_size;
}

/// Initialises a ring in place (only the creating side, before sharing the region).
inline RingHeader* ring_init(void* at, uint32_t capacity, uint32_t slot_size) noexcept {
    auto* h = new (at) RingHeader{};
    h->magic = kRingMagic;
    h->capacity = capacity;
    h->slot_size = slot_size;
    h->head.store(0, std::memory_order_relaxed);
    h->tail.store(0, std::memory_order_relaxed);
    return h;
}

/// A control-channel message: a fixed-layout struct that names its ring type (T::kType), so
/// the type travels with the struct instead of beside it at every call.
template <class T>
concept TypedMessage =
    std::is_trivially_copyable_v<T> && requires { static_cast<uint16_t>(T::kType); };

/// A typed header followed by body_len() bytes in the same slot (a frame, a datagram, a
/// stream message).
template <class T>
concept FramedMessage = TypedMessage<T> && requires(const T& t) {
                                               { t.body_len() } -> std::convertible_to<std::size_t>;
                                           };

template <TypedMessage T>
inline constexpr uint16_t kTypeOf = static_cast<uint16_t>(T::kType);

class RingProducer {
public:
    RingProducer() = default;
    explicit RingProducer(RingHeader* h) noexcept
        : h_(h), tail_(h->tail.load(std::memory_order_relaxed)),
          cached_head_(h->head.load(std::memory_order_acquire)) {}

    [[nodiscard]] bool valid() const noexcept { return h_ != nullptr; }

    /// Space for one message of up to max_payload() bytes, or nullptr when full.
    std::byte* reserve() noexcept {
        if (tail_ - cached_head_ >= h_->capacity) {
            cached_head_ = h_->head.load(std::memory_order_acquire);
            if (tail_ - cached_head_ >= h_->capacity) {
                return nullptr;
            }
        }
        return h_->slot(tail_) + sizeof(SlotHeader);
    }

    /// Publishes the slot returned by the last reserve().
    void commit(uint16_t type, std::size_t len) noexcept {
        auto* sh = reinterpret_cast<SlotHeader*>(h_->slot(tail_));
        sh->len = static_cast<uint32_t>(len);
        sh->type = type;
        sh->flags = 0;
        ++tail_;
        h_->tail.store(tail_, std::memory_order_release);
    }

    bool try_push(uint16_t type, ByteSpan payload) noexcept {
        if (payload.size() > h_->max_payload()) {
            return false;
        }
        std::byte* p = reserve();
        if (p == nullptr) {
            return false;
        }
        if (!payload.empty()) {
            std::memcpy(p, payload.data(), payload.size());
        }
        commit(type, payload.size());
        return true;
    }

    template <class T>
    bool try_push(uint16_t type, const T& msg) noexcept {
        static_assert(std::is_trivially_copyable_v<T>);
        return try_push(type, as_bytes(&msg, sizeof msg));
    }

    /// One message of its own type; false when the ring is full.
    template <TypedMessage T>
    bool try_push(const T& msg) noexcept {
        return try_push(kTypeOf<T>, as_bytes(&msg, sizeof msg));
    }

    /// A header and its body in one slot (head.body_len() should be body.size()); false when
    /// the ring is full or the two do not fit a slot.
    template <FramedMessage T>
    bool try_push(const T& head, ByteSpan body) noexcept {
        if (sizeof head + body.size() > h_->max_payload()) {
            return false;
        }
        std::byte* p = reserve();
        if (p == nullptr) {
            return false;
        }
        std::memcpy(p, &head, sizeof head);
        if (!body.empty()) {
            std::memcpy(p + sizeof head, body.data(), body.size());
        }
        commit(kTypeOf<T>, sizeof head + body.size());
        return true;
    }

    [[nodiscard]] std::size_t max_payload() const noexcept { return h_->max_payload(); }

private:
    RingHeader* h_ = nullptr;
    uint64_t tail_ = 0;
    uint64_t cached_head_ = 0;
};

struct RingMessage {
    uint16_t type;
    ByteSpan payload;
};

/// `m` as a T: its type is T's and its size exactly T's; otherwise nullopt. A copy, because
/// ring slots need not be aligned for T.
template <TypedMessage T>
std::optional<T> decode(const RingMessage& m) noexcept {
    if (m.type != kTypeOf<T> || m.payload.size() != sizeof(T)) {
        return std::nullopt;
    }
    T v;
    std::memcpy(&v, m.payload.data(), sizeof v);
    return v;
}

template <FramedMessage T>
struct Framed {
    T head;
    ByteSpan body;  // inside the slot: valid until the consumer releases it
};

/// `m` as a T header and the body_len() bytes after it; nullopt when the type is not T's or
/// the slot is shorter than the header or the body it announces.
template <FramedMessage T>
std::optional<Framed<T>> decode_framed(const RingMessage& m) noexcept {
    if (m.type != kTypeOf<T> || m.payload.size() < sizeof(T)) {
        return std::nullopt;
    }
    Framed<T> f{};
    std::memcpy(&f.head, m.payload.data(), sizeof f.head);
    const std::size_t len = f.head.body_len();
    if (len > m.payload.size() - sizeof(T)) {
        return std::nullopt;
    }
    f.body = m.payload.subspan(sizeof(T), len);
    return f;
}

class RingConsumer {
public:
    RingConsumer() = default;
    explicit RingConsumer(RingHeader* h) noexcept
        : h_(h), head_(h->head.load(std::memory_order_relaxed)),
          cached_tail_(h->tail.load(std::memory_order_acquire)) {}

    [[nodiscard]] bool valid() const noexcept { return h_ != nullptr; }

    /// The oldest message, valid until release(); false when empty.
    bool peek(RingMessage& out) noexcept {
        if (head_ == cached_tail_) {
            cached_tail_ = h_->tail.load(std::memory_order_acquire);
            if (head_ == cached_tail_) {
                return false;
            }
        }
        const std::byte* s = h_->slot(head_);
        SlotHeader sh;
        std::memcpy(&sh, s, sizeof sh);
        // The producer is trusted to stay in bounds, but a corrupt length must not read past
        // the slot: clamp it.
        const std::size_t len = sh.len > h_->max_payload() ? h_->max_payload() : sh.len;
        out = {sh.type, ByteSpan{s + sizeof(SlotHeader), len}};
        return true;
    }

    void release() noexcept {
        ++head_;
        h_->head.store(head_, std::memory_order_release);
    }

    /// Messages waiting (approximate when the producer is active).
    [[nodiscard]] uint64_t size() const noexcept {
        return h_->tail.load(std::memory_order_acquire) - head_;
    }

private:
    RingHeader* h_ = nullptr;
    uint64_t head_ = 0;
    uint64_t cached_tail_ = 0;
};

}  // namespace tern::shm
