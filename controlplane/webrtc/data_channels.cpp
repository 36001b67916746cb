#include "controlplane/webrtc/data_channels.hpp"

#include <usrsctp.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>

namespace tern::cp {

namespace {

constexpr uint16_t kSctpPort = 5000;
constexpr uint32_t kPpidDcep = 50;
constexpr uint32_t kPpidString = 51;
constexpr uint32_t kPpidBinary = 53;
constexpr uint32_t kPpidStringEmpty = 56;
constexpr uint32_t kPpidBinaryEmpty = 57;
constexpr uint8_t kDcepOpen = 0x03;
constexpr uint8_t kDcepAck = 0x02;
constexpr std::size_t kMaxMessage = 256 * 1024;  // what tern's SDP announces (a=max-message-size)

int receive(struct socket*, union sctp_sockstore, void* data, std::size_t len,
            struct sctp_rcvinfo rcv, int flags, void* ulp) {
    auto* self = static_cast<DataChannels*>(ulp);
    if (data == nullptr) {
        return 1;
    }
    if (self != nullptr) {
        DataChannels::Inbound in;
        in.notification = (flags & MSG_NOTIFICATION) != 0;
        in.stream = rcv.rcv_sid;
        in.ppid = ntohl(rcv.rcv_ppid);
        const auto* b = static_cast<const std::byte*>(data);
        in.data.assign(b, b + len);
        in.eor = (flags & MSG_EOR) != 0;
        self->inbound_.push_back(std::move(in));
    }
    std::free(data);
    return 1;
}

void init_once() {
    static const bool done = [] {
        usrsctp_init_nothreads(0, &DataChannels::output, nullptr);
        usrsctp_sysctl_set_sctp_ecn_enable(0);
        return true;
    }();
    (void)done;
}

}  // namespace

int DataChannels::output(void* addr, void* buffer, std::size_t length, uint8_t, uint8_t) {
    auto* self = static_cast<DataChannels*>(addr);
    if (self != nullptr && self->send_) {
        self->send_(ByteSpan{static_cast<const std::byte*>(buffer), length});
    }
    return 0;
}

void DataChannels::advance_timers(uint64_t now_ms) {
    static uint64_t last = 0;
    if (last != 0 && now_ms > last) {
        init_once();
        usrsctp_handle_timers(static_cast<uint32_t>(now_ms - last));
    }
    last = now_ms;
}

DataChannels::DataChannels(bool dtls_server, Send send)
    : send_(std::move(send)), next_stream_(dtls_server ? 1 : 0) {
    init_once();
    usrsctp_register_address(this);
    sock_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, receive, nullptr, 0, this);
    if (sock_ == nullptr) {
        return;
    }
    usrsctp_set_non_blocking(sock_, 1);
    const linger lg{1, 0};  // closing aborts at once: nobody waits for the peer
    usrsctp_setsockopt(sock_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    const int one = 1;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one);
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof one);
    sctp_assoc_value reset{};
    reset.assoc_id = SCTP_ALL_ASSOC;
    reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset);
    for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT}) {
        sctp_event ev{};
        ev.se_assoc_id = SCTP_ALL_ASSOC;
        ev.se_on = 1;
        ev.se_type = type;
        usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev);
    }
    sctp_initmsg init{};
    init.sinit_num_ostreams = 1024;
    init.sinit_max_instreams = 1024;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init);
    sockaddr_conn local{};
    local.sconn_family = AF_CONN;
    local.sconn_port = htons(kSctpPort);
    local.sconn_addr = this;
    usrsctp_bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof local);
}

DataChannels::~DataChannels() {
    if (sock_ != nullptr) {
        send_ = nullptr;  // the abort goes nowhere: the transport is going away too
        usrsctp_close(sock_);
    }
    usrsctp_deregister_address(this);
}

bool DataChannels::start() {
    if (sock_ == nullptr) {
        return false;
    }
    sockaddr_conn remote{};
    remote.sconn_family = AF_CONN;
    remote.sconn_port = htons(kSctpPort);
    remote.sconn_addr = this;
    const int r = usrsctp_connect(sock_, reinterpret_cast<sockaddr*>(&remote), sizeof remote);
    drain();
    return r == 0 || errno == EINPROGRESS;
}

void DataChannels::on_packet(ByteSpan packet) {
    if (sock_ == nullptr || packet.empty()) {
        return;
    }
    usrsctp_conninput(this, packet.data(), packet.size(), 0);
    drain();
}

void DataChannels::drain() {
    // Handling may send (DCEP ACKs), which may deliver more: loop until quiet.
    while (!inbound_.empty()) {
        std::vector<Inbound> batch;
        batch.swap(inbound_);
        for (const auto& in : batch) {
            handle(in);
        }
    }
}

void DataChannels::handle(const Inbound& in) {
    if (in.notification) {
        if (in.data.size() < sizeof(sctp_notification::sn_header)) {
            return;
        }
        sctp_notification n{};
        std::memcpy(&n, in.data.data(), std::min(in.data.size(), sizeof n));
        if (n.sn_header.sn_type == SCTP_ASSOC_CHANGE) {
            const uint16_t state = n.sn_assoc_change.sac_state;
            if (state == SCTP_COMM_UP || state == SCTP_RESTART) {
                const bool was = connected_;
                connected_ = true;
                if (!was && on_connected) {
                    on_connected();
                }
            } else if (state == SCTP_COMM_LOST || state == SCTP_SHUTDOWN_COMP ||
                       state == SCTP_CANT_STR_ASSOC) {
                connected_ = false;
            }
        } else if (n.sn_header.sn_type == SCTP_STREAM_RESET_EVENT) {
            // A closed channel: its streams were reset (RFC 8831 §6.7).
            const auto& r = n.sn_strreset_event;
            const std::size_t count = (r.strreset_length - sizeof r) / sizeof(uint16_t);
            for (std::size_t i = 0; i < count && sizeof r + (i + 1) * 2 <= in.data.size(); ++i) {
                uint16_t sid = 0;
                std::memcpy(&sid, in.data.data() + sizeof r + i * 2, 2);
                channels_.erase(sid);
            }
        }
        return;
    }
    // Messages larger than one delivery arrive in pieces; the last one carries MSG_EOR.
    auto& buf = partial_[in.stream];
    buf.insert(buf.end(), in.data.begin(), in.data.end());
    if (buf.size() > kMaxMessage) {
        buf.clear();  // dropped: larger than we announced
        return;
    }
    if (!in.eor) {
        return;
    }
    std::vector<std::byte> msg;
    msg.swap(buf);
    partial_.erase(in.stream);
    if (in.ppid == kPpidDcep) {
        dcep(in.stream, msg);
        return;
    }
    auto it = channels_.find(in.stream);
    if (it == channels_.end() || !on_message) {
        return;
    }
    switch (in.ppid) {
    case kPpidString: on_message(it->second, msg, false); break;
    case kPpidBinary: on_message(it->second, msg, true); break;
    case kPpidStringEmpty: on_message(it->second, {}, false); break;
    case kPpidBinaryEmpty: on_message(it->second, {}, true); break;
    default: break;  // deprecated partial PPIDs: not used by browsers
    }
}

void DataChannels::dcep(uint16_t stream, ByteSpan msg) {
    if (msg.empty()) {
        return;
    }
    const auto type = std::to_integer<uint8_t>(msg[0]);
    if (type == kDcepAck) {
        if (auto it = channels_.find(stream); it != channels_.end()) {
            it->second.open = true;
        }
        return;
    }
    // DATA_CHANNEL_OPEN: type, channel type, priority (2), reliability (4), label and protocol
    // lengths (2 each), label, protocol.
    if (type != kDcepOpen || msg.size() < 12) {
        return;
    }
    const uint16_t label_len = load_u16be(msg.data() + 8);
    const uint16_t proto_len = load_u16be(msg.data() + 10);
    if (12u + label_len + proto_len > msg.size()) {
        return;
    }
    Channel c;
    c.stream = stream;
    c.ordered = (std::to_integer<uint8_t>(msg[1]) & 0x80) == 0;
    c.label.assign(reinterpret_cast<const char*>(msg.data() + 12), label_len);
    c.protocol.assign(reinterpret_cast<const char*>(msg.data() + 12 + label_len), proto_len);
    c.open = true;
    channels_[stream] = c;
    const std::byte ack{kDcepAck};
    send_raw(stream, kPpidDcep, ByteSpan{&ack, 1}, true);
    if (on_open) {
        on_open(channels_[stream]);
    }
}

int DataChannels::open_channel(const std::string& label, const std::string& protocol) {
    if (sock_ == nullptr || label.size() > 0xffff || protocol.size() > 0xffff) {
        return -1;
    }
    while (channels_.count(next_stream_) != 0) {
        next_stream_ += 2;
    }
    const uint16_t stream = next_stream_;
    next_stream_ += 2;
    std::vector<std::byte> open(12 + label.size() + protocol.size());
    open[0] = std::byte{kDcepOpen};
    open[1] = std::byte{0};  // reliable, ordered
    store_u16be(open.data() + 8, static_cast<uint16_t>(label.size()));
    store_u16be(open.data() + 10, static_cast<uint16_t>(protocol.size()));
    std::memcpy(open.data() + 12, label.data(), label.size());
    std::memcpy(open.data() + 12 + label.size(), protocol.data(), protocol.size());
    channels_[stream] = Channel{stream, label, protocol, true, false};
    if (!send_raw(stream, kPpidDcep, open, true)) {
        channels_.erase(stream);
        return -1;
    }
    return stream;
}

bool DataChannels::send(uint16_t stream, ByteSpan data, bool binary) {
    auto it = channels_.find(stream);
    if (it == channels_.end()) {
        return false;
    }
    if (data.empty()) {
        const std::byte zero{0};
        return send_raw(stream, binary ? kPpidBinaryEmpty : kPpidStringEmpty, ByteSpan{&zero, 1},
                        it->second.ordered);
    }
    return send_raw(stream, binary ? kPpidBinary : kPpidString, data, it->second.ordered);
}

bool DataChannels::send_raw(uint16_t stream, uint32_t ppid, ByteSpan data, bool ordered) {
    if (sock_ == nullptr) {
        return false;
    }
    sctp_sndinfo info{};
    info.snd_sid = stream;
    info.snd_flags = ordered ? 0 : SCTP_UNORDERED;
    info.snd_ppid = htonl(ppid);
    const ssize_t n = usrsctp_sendv(sock_, data.data(), data.size(), nullptr, 0, &info, sizeof info,
                                    SCTP_SENDV_SNDINFO, 0);
    drain();
    return n == static_cast<ssize_t>(data.size());
}

}  // namespace tern::cp
