// CommandSink on the control channel's rings (DataplaneClient), for the running process.
#pragma once

#include "controlplane/command_sink.hpp"
#include "controlplane/dp_client/dp_client.hpp"

namespace tern::cp {

class DataplaneSink final : public CommandSink {
public:
    explicit DataplaneSink(DataplaneClient& dp) : dp_(dp) {}

    [[nodiscard]] uint32_t workers() const override { return dp_.connected() ? dp_.workers() : 0; }
    bool push(uint32_t worker, uint16_t type, ByteSpan payload) override {
        return dp_.connected() && dp_.send_bytes(worker, type, payload);
    }
    bool inject(uint32_t worker, uint16_t type, ByteSpan payload) override {
        return dp_.connected() && worker < dp_.workers() &&
               dp_.inject(worker).try_push(type, payload);
    }

private:
    DataplaneClient& dp_;  // borrowed, outlives this
};

}  // namespace tern::cp
