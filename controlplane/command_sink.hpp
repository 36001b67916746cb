// What the control plane's session logic sends to the data plane: commands on a worker's
// command ring and packets on its inject ring. MediaSessions and the admin verbs hold only this,
// so they run in unit tests against a recorder (command_sink_recording.hpp) with no data plane;
// the process hands them DataplaneSink (command_sink_dataplane.hpp), which writes the rings.
#pragma once

#include "common/byte_reader.hpp"
#include "common/shm/messages.hpp"
#include "common/shm/spsc_ring.hpp"

#include <cstdint>
#include <type_traits>

namespace tern::cp {

class CommandSink {
public:
    CommandSink() = default;
    virtual ~CommandSink() = default;
    CommandSink(const CommandSink&) = delete;
    CommandSink& operator=(const CommandSink&) = delete;

    /// The data plane's worker lcores (0 while none is attached).
    [[nodiscard]] virtual uint32_t workers() const = 0;
    /// Queues one command for `worker`; false when its ring is full or no data plane is attached.
    virtual bool push(uint32_t worker, uint16_t type, ByteSpan payload) = 0;
    /// Queues one packet (a DTLS record for a transport) to be sent out by `worker`.
    virtual bool inject(uint32_t worker, uint16_t type, ByteSpan payload) = 0;

    /// One command struct of common/shm/messages.hpp, under its own type (T::kType).
    template <shm::TypedMessage T>
    bool send(uint32_t worker, const T& cmd) {
        return push(worker, static_cast<uint16_t>(T::kType), as_bytes(&cmd, sizeof cmd));
    }
};

}  // namespace tern::cp
