#include "dataplane/stack/stun_binding_service.hpp"

#include "common/wire/stun/stun_builder.hpp"

#include <array>

namespace tern::dp {

namespace {

using shm::bump;
using shm::Counter;
namespace stun = wire::stun;

std::atomic<uint64_t>& at(shm::LcoreCounters& c, Counter k) {
    return c.v[static_cast<std::size_t>(k)];
}

/// Attributes a Binding request may carry that we understand (ICE and plain STUN).
bool known_for_binding(uint16_t t) {
    switch (t) {
    case stun::attr::kUsername:
    case stun::attr::kMessageIntegrity:
    case stun::attr::kMessageIntegritySha256:
    case stun::attr::kPriority:
    case stun::attr::kUseCandidate:
    case stun::attr::kRealm:
    case stun::attr::kNonce:
    case stun::attr::kUserhash:
    case stun::attr::kPasswordAlgorithm:
    case stun::attr::kXorMappedAddress:
    case stun::attr::kMappedAddress: return true;
    default: return false;
    }
}

}  // namespace

StunBindingService::Outcome StunBindingService::handle(ByteSpan request, const wire::Endpoint& from,
                                                       MutableByteSpan out, std::size_t& out_len,
                                                       shm::LcoreCounters& c) const noexcept {
    auto msg = stun::Message::parse(request, {.allow_classic = true});
    if (!msg) {
        bump(at(c, Counter::DropStunMalformed));
        return Outcome::Drop;
    }
    if (msg->cls() == stun::Class::Indication) {
        return Outcome::Silent;  // Binding indications are keepalives (§6.3.2)
    }
    if (msg->cls() != stun::Class::Request) {
        bump(at(c, Counter::DropStunNotRequest));
        return Outcome::Drop;
    }
    const stun::TransactionId& txid = msg->transaction_id();
    const bool classic = msg->classic();
    auto finish = [&](stun::Builder& b) {
        if (!services_.software.empty()) {
            b.add_string(stun::attr::kSoftware, services_.software);
        }
        if (!classic) {
            b.add_fingerprint();
        }
        auto n = b.finish();
        out_len = n ? *n : 0;
        return n ? Outcome::Reply : Outcome::Drop;
    };

    if (msg->method() != stun::method::kBinding) {
        // Not a TURN server yet on this port: §6.3.1 says 400 for methods we do not implement.
        stun::Builder b{out, stun::message_type(msg->method(), stun::Class::Error), txid,
                        msg->cookie_word()};
        b.add_error_code(stun::error::kBadRequest, "Bad Request: method not supported");
        bump(at(c, Counter::StunErrorsSent));
        return finish(b);
    }
    std::array<uint16_t, 8> unknown{};
    const std::size_t n_unknown = msg->unknown_required(unknown, known_for_binding);
    if (n_unknown > 0) {
        stun::Builder b{out, stun::message_type(stun::method::kBinding, stun::Class::Error), txid,
                        msg->cookie_word()};
        b.add_error_code(stun::error::kUnknownAttribute, "Unknown Attribute")
            .add_unknown_attributes(std::span{unknown.data(), std::min(n_unknown, unknown.size())});
        bump(at(c, Counter::StunErrorsSent));
        return finish(b);
    }
    stun::Builder b{out, stun::message_type(stun::method::kBinding, stun::Class::Success), txid,
                    msg->cookie_word()};
    if (classic) {
        b.add_plain_address(stun::attr::kMappedAddress, from);  // RFC 3489 clients
    } else {
        b.add_xor_address(stun::attr::kXorMappedAddress, from);
    }
    bump(at(c, Counter::StunBindingAnswered));
    return finish(b);
}

}  // namespace tern::dp
