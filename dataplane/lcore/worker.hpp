// One worker lcore: polls its RX queue of every port and of every exception tap, runs each
// frame through the port's packet path (host stack, service dispatch), carries the verdict out
// on the mbuf, buffers TX per port, and applies control-channel commands between bursts.
//
// Everything here is lcore-local (alignas(64), never shared) except the counter block and the
// rings, which live in the shared region and have exactly this lcore as their single writer
// (counters, events, punt) or single reader (commands, inject).
#pragma once

#include "common/config.hpp"
#include "common/shm/channel_layout.hpp"
#include "dataplane/lcore/commands.hpp"
#include "dataplane/lcore/packet_path.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace tern::dp {

struct WorkerPort {
    uint16_t port_id;
    uint16_t tap_id;  // kNoTap when the exception path is off
    rte_mempool* pool;
    const Interface* ifc;      // borrowed; lives in main() until all lcores joined
    const PeerPolicy* policy;  // borrowed, read-only; same lifetime
    ByteSpan nonce_secret;     // borrowed; one per process
};

inline constexpr uint16_t kNoTap = 0xffff;

/// Rings between workers, each with one producer and one consumer, indexed [from][to] (null on
/// the diagonal): frames that arrived on a worker that does not own their UDP port, and what
/// the SFU engines relay to each other (plaintext of tracks with subscribers on several lcores,
/// keyframe requests, sender reports). Made by main() when there is more than one worker.
struct LcoreLinks {
    std::vector<std::vector<rte_ring*>> handoff;
    std::vector<std::vector<rte_ring*>> relay;
};

class Worker final : private StreamSink {
public:
    /// `links` may be null (one worker); it outlives the worker.
    Worker(uint32_t index, const DataplaneConfig& cfg, std::vector<WorkerPort> ports,
           const shm::Region& region, const std::atomic<bool>& stop,
           const LcoreLinks* links = nullptr);

    /// The lcore entry point; returns when `stop` is set.
    int run() noexcept;

    static int launch(void* self) { return static_cast<Worker*>(self)->run(); }

private:
    static constexpr uint16_t kMaxBurst = 256;
    static constexpr int kPrefetchOffset = 3;  // packets ahead whose data is prefetched

    struct TxBuffer {
        uint16_t n = 0;
        rte_mbuf* pkts[kMaxBurst * 2];
    };

    uint32_t poll_port(std::size_t pi) noexcept;
    uint32_t poll_tap(std::size_t pi) noexcept;
    void handle_burst(std::size_t pi, rte_mbuf** pkts, uint16_t n) noexcept;
    void enqueue_tx(TxBuffer& b, uint16_t port, shm::QueueCounters* q, rte_mbuf* m) noexcept;
    /// Sends a buffer; `q` (wire ports only) gets the per-queue counts.
    void flush(TxBuffer& b, uint16_t port, shm::QueueCounters* q) noexcept;
    /// Frames handed over by other workers and what their SFU engines relayed here.
    uint32_t poll_links() noexcept;
    /// Queues `m` (framed as `f`) for worker `to`; dropped and counted when its ring is full.
    void hand_over(rte_mbuf* m, const Frame& f, uint32_t to, uint16_t port_id) noexcept;
    [[nodiscard]] uint64_t now_us() const noexcept;
    void poll_inject() noexcept;
    /// DTLS from the control plane for one of this lcore's SFU transports.
    void inject_sfu_datagram(const shm::Framed<shm::SfuDatagramMeta>& d) noexcept;
    /// A TURN client's message from its TCP/TLS connection, the connection's end, or the reset
    /// of all of them.
    void inject_stream(const shm::RingMessage& msg, uint64_t now) noexcept;
    /// StreamSink: answers and relayed data for TCP/TLS clients go to the punt ring.
    bool write(uint64_t stream, ByteSpan message) noexcept override;
    void resolve_gateways(uint64_t now) noexcept;
    void send_frame(std::size_t pi, ByteSpan frame) noexcept;
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_->v[static_cast<std::size_t>(c)], n);
    }

    uint32_t index_;
    const DataplaneConfig& cfg_;
    std::vector<WorkerPort> ports_;
    std::vector<std::unique_ptr<NeighborTable>> neighbors_;  // one per port
    std::vector<std::unique_ptr<TurnServer>> turn_;          // one per port, when TURN is on
    std::vector<std::unique_ptr<PacketPath>> paths_;         // one per port
    /// The SFU's frames for one port: mbufs from its pool, headers by its packet path, TX by this
    /// lcore.
    struct MediaOut final : sfu::MediaSink {
        Worker* w = nullptr;
        std::size_t pi = 0;
        bool alloc(Buf& b) noexcept override;
        void send(Buf& b, std::size_t len, const wire::MacAddr& mac, const wire::Endpoint& src,
                  const wire::Endpoint& dst) noexcept override;
        void discard(Buf& b) noexcept override;
        bool punt(uint64_t id, ByteSpan datagram) noexcept override;
        void transport_up(uint64_t id, const wire::Endpoint& remote, bool up) noexcept override;
        void speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept override;
        void estimate(uint64_t id, const sfu::EstimateReport& r) noexcept override;
        bool relay(uint32_t lcore, const sfu::Relayed& r, ByteSpan rtp) noexcept override;
    };
    std::vector<std::unique_ptr<MediaOut>> media_out_;  // one per port, when the SFU is on
    std::vector<std::unique_ptr<sfu::Sfu>> sfu_;        // one per port, when the SFU is on
    uint64_t now_tsc_ = 0;                              // of the burst being handled
    std::vector<TxBuffer> tx_;                          // per port, to the wire
    std::vector<TxBuffer> tap_tx_;                      // per port, to the kernel
    shm::LcoreCounters* counters_;
    shm::RingProducer events_;
    shm::RingConsumer inject_;
    shm::RingProducer punt_;
    uint64_t hz_;
    Commands commands_;  // after what it borrows: the engines, the event ring, the counters
    const std::atomic<bool>& stop_;
    const LcoreLinks* links_ = nullptr;
};

}  // namespace tern::dp
