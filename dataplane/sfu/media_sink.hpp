// Where the SFU engine's frames go: buffers to fill and send (mbufs on the lcore, plain buffers
// in tests), DTLS for the control plane, transport, speech and estimate events, and packets relayed
// to other lcores. Keeps the engine DPDK-free. Called on the engine's lcore only.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "dataplane/sfu/relay.hpp"

#include <array>
#include <cstdint>

namespace tern::sfu {

/// A subscriber transport's bandwidth estimate and what layer selection made of it
/// (sfu_layers.cpp), for the control plane's status document.
struct EstimateReport {
    uint64_t bps = 0;         // the estimate
    uint64_t budget_bps = 0;  // what layer selection last allocated (0: it has not run)
    uint64_t layers_bps = 0;  // what the layers it chose and the audio reserve need
    uint8_t videos = 0;       // video subscriptions on the transport
    uint8_t paused = 0;       // of them, paused by layer selection
    int8_t spatial = -1;      // the first video's chosen layer (-1: paused or none)
    int8_t flowing = -1;      // the layer it is sent now (-1: none, waiting for a keyframe)
    uint8_t temporal = 0;     // the first video's chosen temporal layers (0..temporal)
    bool probing = false;     // a probe cluster is being sent or judged
    /// The first video's simulcast layers as measured (all temporal layers; 0: not flowing).
    std::array<uint32_t, 3> layer_bps{};
    friend bool operator==(const EstimateReport&, const EstimateReport&) = default;
};

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
    /// The bandwidth estimate towards subscriber transport `id`, or its layers, moved to `r`.
    virtual void estimate(uint64_t id, const EstimateReport& r) noexcept { (void)id, (void)r; }
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
