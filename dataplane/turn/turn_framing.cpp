#include "dataplane/turn/turn_framing.hpp"

#include "common/wire/checksum.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"

#include <array>
#include <cstring>

namespace tern::dp {

using shm::Counter;

bool for_turn_server(ByteSpan payload) noexcept {
    return wire::turn::looks_like_channel_data(payload) ||
           (payload.size() >= 2 &&
            wire::stun::method_of(load_u16be(payload.data())) != wire::stun::method::kBinding);
}

std::optional<ClientMessage> TurnFraming::to_client(const Frame& f,
                                                    const TurnAction& act) noexcept {
    auto* data = const_cast<std::byte*>(act.data.data());  // inside the frame we own
    if (act.kind == TurnAction::Kind::ToClientChannel) {
        if (f.room_before(data) < static_cast<std::ptrdiff_t>(wire::turn::kChannelDataHeaderLen)) {
            count(Counter::DropNoMbuf);
            return std::nullopt;
        }
        std::byte* cd = data - wire::turn::kChannelDataHeaderLen;
        wire::turn::write_channel_data_header(
            MutableByteSpan{cd, wire::turn::kChannelDataHeaderLen}, act.channel,
            static_cast<uint16_t>(act.data.size()));
        ClientMessage m{cd, act.data.size() + wire::turn::kChannelDataHeaderLen, std::nullopt};
        if (act.data_sum) {  // the header's two words are the channel and the length
            m.sum = uint64_t{act.channel} + act.data.size() + *act.data_sum;
        }
        return m;
    }
    // Data indication: STUN header, XOR-PEER-ADDRESS, DATA header, the data, padding.
    std::array<std::byte, 64> head{};
    wire::stun::TransactionId txid;
    indication_txid_ ^= indication_txid_ << 13;
    indication_txid_ ^= indication_txid_ >> 7;
    indication_txid_ ^= indication_txid_ << 17;
    std::memcpy(txid.data(), &indication_txid_, 8);
    std::memcpy(txid.data() + 8, &indication_txid_, 4);
    wire::stun::Builder b{
        head, wire::stun::message_type(wire::stun::method::kData, wire::stun::Class::Indication),
        txid};
    b.add_xor_address(wire::stun::attr::kXorPeerAddress, act.xor_peer);
    const std::size_t head_len = *b.finish();
    const std::size_t pad = (4 - act.data.size() % 4) % 4;
    const std::size_t prefix = head_len + 4;
    if (f.room_before(data) < static_cast<std::ptrdiff_t>(prefix) ||
        !f.holds(data, act.data.size() + pad)) {
        count(Counter::DropNoMbuf);
        return std::nullopt;
    }
    std::byte* msg = data - prefix;
    std::memcpy(msg, head.data(), head_len);
    store_u16be(msg + head_len, wire::stun::attr::kData);
    store_u16be(msg + head_len + 2, static_cast<uint16_t>(act.data.size()));
    std::memset(data + act.data.size(), 0, pad);
    const std::size_t total = prefix + act.data.size() + pad;
    store_u16be(msg + 2, static_cast<uint16_t>(total - wire::stun::kHeaderLen));
    ClientMessage m{msg, total, std::nullopt};
    if (act.data_sum) {
        m.sum = wire::checksum_add(ByteSpan{msg, prefix}) + *act.data_sum;  // padding adds zero
    }
    return m;
}

Verdict TurnFraming::to_stream(const Frame& f, uint64_t stream, const std::byte* msg,
                               std::size_t len, std::size_t data_bytes) noexcept {
    if (sink_ == nullptr) {
        count(Counter::DropNotLocal);
        return Verdict::Drop;
    }
    const std::size_t pad = (4 - len % 4) % 4;
    if (f.holds(msg, len)) {
        if (!f.holds(msg, len + pad)) {
            count(Counter::DropNoMbuf);
            return Verdict::Drop;
        }
        std::memset(const_cast<std::byte*>(msg) + len, 0, pad);  // the frame's own buffer
    } else if (pad != 0) {
        count(Counter::DropStunMalformed);  // replies we build are always multiples of four
        return Verdict::Drop;
    }
    if (!sink_->write(stream, ByteSpan{msg, len + pad})) {
        count(Counter::TurnStreamPuntFull);
        return Verdict::Drop;
    }
    count(Counter::TurnStreamOut);
    if (data_bytes != 0) {
        count(Counter::TurnToClientPackets);
        count(Counter::TurnToClientBytes, data_bytes);
    }
    return Verdict::Consumed;
}

}  // namespace tern::dp
