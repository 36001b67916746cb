// turn-list: every worker answers a TurnList command with one TurnAllocation event per
// allocation and a TurnListDone; the reply says whether every worker answered in time.
#include "common/byte_reader.hpp"
#include "common/wire/addr.hpp"
#include "controlplane/admin/verbs/verbs.hpp"

#include <cstring>
#include <unistd.h>

namespace tern::cp::verbs {

namespace {

nlohmann::json allocation_json(const shm::TurnAllocationEvt& e) {
    auto ip = [&](const uint8_t* b) {
        if (e.client_is_v6 != 0) {
            wire::Ipv6Addr a;
            std::memcpy(a.b.data(), b, 16);
            return a.to_string();
        }
        return wire::Ipv4Addr{load_u32be(reinterpret_cast<const std::byte*>(b))}.to_string();
    };
    auto addr = [&](const uint8_t* b, uint16_t port) {
        return e.client_is_v6 != 0 ? "[" + ip(b) + "]:" + std::to_string(port)
                                   : ip(b) + ":" + std::to_string(port);
    };
    return {{"worker", e.worker},
            {"user", std::string(e.username, strnlen(e.username, sizeof e.username))},
            {"client", addr(e.client_ip, e.client_port)},
            {"relayed", addr(e.relay_ip, e.relay_port)},
            {"lifetime_s", e.lifetime_left_s},
            {"permissions", e.permissions},
            {"channels", e.channels},
            {"to_peer_packets", e.to_peer_packets},
            {"to_peer_bytes", e.to_peer_bytes},
            {"to_client_packets", e.to_client_packets},
            {"to_client_bytes", e.to_client_bytes}};
}

}  // namespace

bool TurnList::on_event(const shm::RingMessage& m) {
    if (const auto e = shm::decode<shm::TurnAllocationEvt>(m)) {
        if (e->request_id == request_) {
            allocations_.push_back(allocation_json(*e));
        }
        return true;
    }
    if (const auto d = shm::decode<shm::TurnListDoneEvt>(m)) {
        if (d->request_id == request_) {
            ++done_;
        }
        return true;
    }
    return false;
}

std::string TurnList::run(CommandSink& sink, uint64_t generation, uint64_t request_id,
                          const std::function<void()>& drain) {
    using nlohmann::json;
    const uint32_t workers = sink.workers();
    if (workers == 0) {
        return admin_error("no data plane attached");
    }
    allocations_.clear();
    done_ = 0;
    request_ = request_id;
    uint32_t asked = 0;
    for (uint32_t w = 0; w < workers; ++w) {
        asked += sink.send(w, shm::TurnListCmd{generation, request_id}) ? 1 : 0;
    }
    const uint64_t deadline = DataplaneLink::mono_ns() + 2'000'000'000ULL;
    while (done_ < asked && DataplaneLink::mono_ns() < deadline) {
        drain();
        if (done_ < asked) {
            usleep(200);
        }
    }
    const bool complete = done_ == asked && asked == workers;
    json out{{"allocations", allocations_}, {"complete", complete}};
    request_ = 0;
    return out.dump();
}

}  // namespace tern::cp::verbs
