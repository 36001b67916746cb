// The control plane's end of the control channel: connects to the data plane's unix socket,
// checks magic and schema, receives the shared region's memfd and maps it. The socket stays
// open as the liveness signal; when it closes the region is unmapped and the caller reconnects.
#pragma once

#include "common/result.hpp"
#include "common/shm/channel_layout.hpp"
#include "common/shm/messages.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::cp {

class DataplaneClient {
public:
    explicit DataplaneClient(std::string socket_path) : path_(std::move(socket_path)) {}
    ~DataplaneClient() { disconnect(); }
    DataplaneClient(const DataplaneClient&) = delete;
    DataplaneClient& operator=(const DataplaneClient&) = delete;

    /// One connection attempt; an error says why (no data plane, schema mismatch, busy...).
    Result<bool, std::string> connect();
    void disconnect() noexcept;

    /// True when the data plane closed the socket (call after poll reports the fd readable).
    bool peer_gone() noexcept;

    [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }
    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] const shm::Region& region() const noexcept { return region_; }
    [[nodiscard]] uint32_t dp_pid() const noexcept { return dp_pid_; }
    [[nodiscard]] uint32_t workers() const noexcept { return region_.header->n_workers; }

    bool send_ping(uint32_t worker, const shm::PingCmd& cmd) noexcept;

    /// Queues a command (a struct of common/shm/messages.hpp) for `worker`; false when the
    /// worker does not exist or its command ring is full.
    template <shm::TypedMessage T>
    bool send_command(uint32_t worker, const T& cmd) noexcept {
        return worker < commands_.size() && commands_[worker].try_push(cmd);
    }

    /// A command already in its bytes, under `type` (CommandSink's push: the struct was typed
    /// where it was made).
    bool send_bytes(uint32_t worker, uint16_t type, ByteSpan payload) noexcept {
        return worker < commands_.size() && commands_[worker].try_push(type, payload);
    }

    /// Calls f(worker, RingMessage) for each waiting event, up to `max` per worker.
    template <class F>
    void drain_events(F&& f, int max = 1024) {
        for (uint32_t w = 0; w < events_.size(); ++w) {
            for (int i = 0; i < max; ++i) {
                shm::RingMessage m{};
                if (!events_[w].peek(m)) {
                    break;
                }
                f(w, m);
                events_[w].release();
            }
        }
    }

    /// The inject ring of a worker (packets and TURN stream messages to the data plane).
    shm::RingProducer& inject(uint32_t worker) noexcept { return inject_[worker]; }
    /// Calls f(worker, RingMessage) for each waiting punted message, up to `max` per worker.
    template <class F>
    void drain_punt(F&& f, int max = 1024) {
        for (uint32_t w = 0; w < punt_.size(); ++w) {
            for (int i = 0; i < max; ++i) {
                shm::RingMessage m{};
                if (!punt_[w].peek(m)) {
                    break;
                }
                f(w, m);
                punt_[w].release();
            }
        }
    }

private:
    std::string path_;
    int fd_ = -1;  // owned
    void* base_ = nullptr;
    uint64_t size_ = 0;
    uint32_t dp_pid_ = 0;
    shm::Region region_;
    std::vector<shm::RingProducer> commands_;  // one per worker; we are the only producer
    std::vector<shm::RingConsumer> events_;    // one per worker; we are the only consumer
    std::vector<shm::RingProducer> inject_;    // one per worker; we are the only producer
    std::vector<shm::RingConsumer> punt_;      // one per worker; we are the only consumer
};

}  // namespace tern::cp
