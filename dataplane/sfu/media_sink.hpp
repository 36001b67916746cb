// Where the SFU engine's frames go: buffers to fill and send (mbufs on the lcore, plain buffers
// in tests), DTLS for the control plane, transport, speech and estimate events, and packets relayed
// to other lcores. Keeps the engine DPDK-free. Called on the engine's lcore only.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "dataplane/sfu/relay.hpp"

#include <cstdint>

namespace tern::sfu {

/// alloc() hands out a buffer whose `payload` has room for the network headers before it;
/// send() writes them and transmits.
class MediaSink {
public:
    struct Buf {
        std::byte* payload = nullptr;
        std::size_t room = 0;  // bytes available from `payload`
        void* handle = nullptr;
    };
    virtual bool alloc(Buf& b) noexcept = 0;
    virtual void send(Buf& b, std::size_t len, const wire::MacAddr& mac, const wire::Endpoint& src,
                      const wire::Endpoint& dst) noexcept = 0;
    virtual void discard(Buf& b) noexcept = 0;  // allocated, not sent
    /// A datagram for the control plane (DTLS) from transport `id`; false when there is no room.
    virtual bool punt(uint64_t id, ByteSpan datagram) noexcept = 0;
    /// ICE chose (or moved) transport `id`'s remote address; `up` false: consent expired.
    virtual void transport_up(uint64_t id, const wire::Endpoint& remote,
                              bool up = true) noexcept = 0;
    /// Published audio track `track` of transport `id` started (or stopped) carrying speech;
    /// `level`: the mean -dBov of its voiced packets in the interval that decided it.
    virtual void speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept {
        (void)id, (void)track, (void)on, (void)level;
    }
    /// The bandwidth estimate towards subscriber transport `id` moved to `bps`.
    virtual void estimate(uint64_t id, uint64_t bps) noexcept { (void)id, (void)bps; }
    /// `r` (with the plaintext RTP packet `rtp` for Kind::Rtp) for lcore `lcore`'s engine, which
    /// gets it through Sfu::on_relayed(). False when it could not be queued (counted).
    virtual bool relay(uint32_t lcore, const Relayed& r, ByteSpan rtp) noexcept {
        (void)lcore, (void)r, (void)rtp;
        return false;
    }

protected:
    ~MediaSink() = default;
};

}  // namespace tern::sfu
