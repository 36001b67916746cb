// A CommandSink for unit tests: records every command and injected packet in order, with a
// settable worker count and a switch that makes the rings look full.
#pragma once

#include "controlplane/command_sink.hpp"

#include <cstring>
#include <vector>

namespace tern::cp {

class RecordingSink final : public CommandSink {
public:
    struct Sent {
        uint32_t worker = 0;
        shm::MsgType type{};
        std::vector<std::byte> payload;

        /// The payload as command struct T (its size must match).
        template <class T>
        [[nodiscard]] T as() const {
            T t{};
            if (payload.size() == sizeof t) {
                std::memcpy(&t, payload.data(), sizeof t);
            }
            return t;
        }
    };

    explicit RecordingSink(uint32_t workers = 1) : n_workers(workers) {}

    [[nodiscard]] uint32_t workers() const override { return n_workers; }
    bool push(uint32_t worker, uint16_t type, ByteSpan payload) override {
        return record(commands, worker, type, payload);
    }
    bool inject(uint32_t worker, uint16_t type, ByteSpan payload) override {
        return record(injected, worker, type, payload);
    }

    /// The recorded commands of one type, in order.
    [[nodiscard]] std::vector<Sent> of(shm::MsgType type) const {
        std::vector<Sent> out;
        for (const Sent& s : commands) {
            if (s.type == type) {
                out.push_back(s);
            }
        }
        return out;
    }
    void clear() {
        commands.clear();
        injected.clear();
    }

    std::vector<Sent> commands;
    std::vector<Sent> injected;
    uint32_t n_workers = 1;
    bool full = false;  // every push and inject fails, as on full rings

private:
    bool record(std::vector<Sent>& to, uint32_t worker, uint16_t type, ByteSpan payload) {
        if (full || worker >= n_workers) {
            return false;
        }
        to.push_back(
            Sent{worker, static_cast<shm::MsgType>(type), {payload.begin(), payload.end()}});
        return true;
    }
};

}  // namespace tern::cp
