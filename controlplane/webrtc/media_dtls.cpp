// MediaSessions: DTLS and data channels. The data plane punts a transport's DTLS records here;
// the handshake's records go back on the inject ring, its exported keys as one SfuKeys command.
// Once DTLS is up, a client with a data channel section gets its SCTP association, and
// publishers' messages are forwarded to their subscribers by channel label.
#include "common/shm/messages.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <algorithm>
#include <cstring>

namespace tern::cp {

namespace {

constexpr uint64_t kDtlsTimeoutMs = 30'000;
constexpr std::size_t kMaxEarlyDatagrams = 16;

/// A DTLS record carrying a ClientHello of epoch 0: a client starting an association (RFC 6347
/// §4.1: type, version, epoch, sequence number, length; §4.2.2: the handshake type follows).
bool is_client_hello(ByteSpan d) {
    constexpr std::size_t kRecordHeader = 13;
    return d.size() > kRecordHeader && d[0] == std::byte{22} && d[3] == std::byte{0} &&
           d[4] == std::byte{0} && d[kRecordHeader] == std::byte{1};
}

}  // namespace

void MediaSessions::start_dtls(Client& c, const std::string& remote_fingerprint) {
    const uint64_t transport = c.transport;
    const uint32_t worker = c.worker;
    Client* self = &c;
    c.dtls = std::make_unique<DtlsSession>(
        identity_, DtlsSession::Role::Server, remote_fingerprint,
        [this, transport, worker](ByteSpan d) {
            if (!attached_) {
                return;
            }
            std::vector<std::byte> buf(sizeof(shm::SfuDatagramMeta) + d.size());
            const shm::SfuDatagramMeta meta{transport, static_cast<uint32_t>(d.size()), 0};
            std::memcpy(buf.data(), &meta, sizeof meta);
            std::memcpy(buf.data() + sizeof meta, d.data(), d.size());
            if (sink_.inject(worker, static_cast<uint16_t>(shm::MsgType::SfuDatagram),
                             ByteSpan{buf})) {
                ++n_.dtls_out;
            }
        });
    c.dtls->on_application = [self](ByteSpan d) {
        if (self->data) {
            self->data->on_packet(d);
        }
    };
    auto early = std::move(c.early);
    c.early.clear();
    for (const auto& d : early) {
        c.dtls->on_datagram(d, 0);
    }
    dtls_progress(c);
}

void MediaSessions::restart_dtls(Client& c, const std::string& remote_fingerprint,
                                 uint64_t now_ms) {
    ++n_.dtls_restarts;
    log_.info("DTLS restart: a new peer connection", {{"client", c.id}});
    c.data.reset();  // its SCTP association lived in the old DTLS one
    c.dtls.reset();
    c.keys_sent = false;
    c.dtls_restartable = false;
    c.dtls_started_ms = now_ms;
    start_dtls(c, remote_fingerprint);
}

void MediaSessions::dtls_progress(Client& c) {
    if (!c.dtls) {
        return;
    }
    if (c.dtls->state() == DtlsSession::State::Connected && !c.keys_sent) {
        const SrtpKeying& k = c.dtls->keys();
        shm::SfuKeysCmd cmd{};
        cmd.generation = generation_;
        cmd.id = c.transport;
        cmd.suite = static_cast<uint8_t>(k.rx.suite);
        std::memcpy(cmd.rx_key, k.rx.key.data(), 32);
        std::memcpy(cmd.rx_salt, k.rx.salt.data(), 14);
        std::memcpy(cmd.tx_key, k.tx.key.data(), 32);
        std::memcpy(cmd.tx_salt, k.tx.salt.data(), 14);
        if (command(c.worker, cmd)) {
            c.keys_sent = true;
            ++n_.dtls_connected;
            save();
            start_data_channels(c);
            log_.info("DTLS connected", {{"client", c.id}, {"profile", c.dtls->profile_name()}});
        }
    } else if (c.dtls->state() == DtlsSession::State::Failed) {
        ++n_.dtls_failed;
        log_.warn("DTLS failed", {{"client", c.id}, {"error", c.dtls->error()}});
        drop(c.id, true);
    }
}

void MediaSessions::start_data_channels(Client& c) {
    if (c.app_mid.empty() || c.data || !c.dtls) {
        return;
    }
    Client* self = &c;
    c.data = std::make_unique<DataChannels>(true, [self](ByteSpan p) {
        if (self->dtls) {
            self->dtls->send_application(p);
        }
    });
    c.data->on_connected = [this, self] {
        ++n_.data_channels_up;
        if (self->publisher) {
            return;
        }
        // A subscriber gets the channels its publisher has opened so far (others as they come).
        auto pit = clients_.find(self->publisher_id);
        if (pit != clients_.end()) {
            for (const auto& label : pit->second->labels) {
                self->data->open_channel(label);
            }
        }
    };
    if (c.publisher) {
        c.data->on_open = [this, self](const DataChannels::Channel& ch) {
            if (std::find(self->labels.begin(), self->labels.end(), ch.label) ==
                self->labels.end()) {
                self->labels.push_back(ch.label);
            }
            for (auto& [id, s] : clients_) {
                if (!s->publisher && s->publisher_id == self->id && s->data &&
                    s->data->connected()) {
                    s->data->open_channel(ch.label);
                }
            }
        };
        c.data->on_message = [this, self](const DataChannels::Channel& ch, ByteSpan d,
                                          bool binary) {
            ++n_.data_messages_in;
            forward_data(*self, ch, d, binary);
        };
    }
    c.data->start();
}

void MediaSessions::forward_data(const Client& pub, const DataChannels::Channel& ch, ByteSpan data,
                                 bool binary) {
    for (auto& [id, s] : clients_) {
        if (s->publisher || s->publisher_id != pub.id || !s->data || !s->data->connected()) {
            continue;
        }
        int stream = -1;
        for (const auto& [sid, c] : s->data->channels()) {
            if (c.label == ch.label) {
                stream = sid;
                break;
            }
        }
        if (stream < 0) {
            stream = s->data->open_channel(ch.label);
        }
        if (stream >= 0 && s->data->send(static_cast<uint16_t>(stream), data, binary)) {
            ++n_.data_messages_out;
        }
    }
}

void MediaSessions::on_punt(const shm::RingMessage& m, uint64_t now_ms) {
    shm::SfuDatagramMeta meta{};
    if (m.payload.size() < sizeof meta) {
        return;
    }
    std::memcpy(&meta, m.payload.data(), sizeof meta);
    if (meta.len > m.payload.size() - sizeof meta) {
        return;
    }
    auto it = by_transport_.find(meta.id);
    if (it == by_transport_.end()) {
        ++n_.dtls_unknown;
        return;
    }
    Client& c = *it->second;
    ++n_.dtls_in;
    const ByteSpan d = m.payload.subspan(sizeof meta, meta.len);
    if (c.dtls_started_ms == 0) {
        c.dtls_started_ms = now_ms;  // the handshake must finish within kDtlsTimeoutMs of this
    }
    if (c.dtls_restartable && is_client_hello(d) &&
        (!c.dtls || c.dtls->state() == DtlsSession::State::Connected)) {
        // A new association on a running transport: a new peer connection answering a
        // requestoffer. With its answer here it starts now; else it waits for the answer.
        if (c.answered) {
            restart_dtls(c, c.remote_fingerprint, now_ms);
        } else {
            if (c.early.size() < kMaxEarlyDatagrams) {
                c.early.emplace_back(d.begin(), d.end());
            }
            return;
        }
    }
    if (!c.dtls) {
        // The browser may start DTLS before its answer reaches us through signaling.
        if (c.early.size() < kMaxEarlyDatagrams) {
            c.early.emplace_back(d.begin(), d.end());
        }
        return;
    }
    c.dtls->on_datagram(d, now_ms);
    dtls_progress(c);
}

void MediaSessions::tick(uint64_t now_ms) {
    DataChannels::advance_timers(now_ms);
    std::vector<std::string> failed;
    for (auto& [id, c] : clients_) {
        if (!c->dtls || c->dtls->state() != DtlsSession::State::Handshaking) {
            continue;
        }
        if (auto t = c->dtls->next_timer_ms(); t && now_ms >= *t) {
            c->dtls->on_timer(now_ms);
        }
        if (c->dtls_started_ms != 0 && now_ms - c->dtls_started_ms > kDtlsTimeoutMs) {
            failed.push_back(id);
        }
    }
    for (const auto& id : failed) {
        log_.warn("DTLS handshake timed out", {{"client", id}});
        ++n_.dtls_failed;
        drop(id, true);
    }
}

}  // namespace tern::cp
