// A frame in an mbuf-like buffer and what the packet path decided to do with it. Shared by the
// host stack, the services behind it and the worker lcore that carries the decision out.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::dp {

enum class Verdict : uint8_t {
    Transmit,  // the frame was rewritten in place into a reply: send it on the same port
    ToKernel,  // not ours to answer: hand it unchanged to the kernel via the exception path
    Drop,      // counted under a drop_* counter
    Consumed,  // handled, nothing to send
    Punt,      // for the control plane (DTLS on the media port): the frame goes on the punt ring
    Handoff,   // UDP to a port another worker owns: the unchanged frame goes to handoff_target()
    Deliver,  // host stack only: a UDP datagram for us, for the service dispatch (never reaches the
              // worker)
};

/// A frame in a buffer: `len` bytes at `data`, which may grow up to `room` bytes from `data`
/// and move back by up to `headroom` bytes (an mbuf's headroom), e.g. to prepend headers.
struct Frame {
    std::byte* data;
    uint32_t len;
    uint32_t room;
    uint32_t headroom = 0;

    /// Whether [p, p + n) lies inside the buffer (headroom included).
    [[nodiscard]] bool holds(const std::byte* p, std::size_t n) const noexcept {
        return p >= data - headroom && p + n <= data + room;
    }
    /// Bytes of the buffer in front of `p` (which lies inside it).
    [[nodiscard]] std::ptrdiff_t room_before(const std::byte* p) const noexcept {
        return p - (data - headroom);
    }
};

}  // namespace tern::dp
