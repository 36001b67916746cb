#include "controlplane/turn_stream/turn_stream_server.hpp"

#include "common/wire/turn/stream_framer.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <type_traits>

namespace tern::cp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::size_t kRxBuffer = 16 * 1024;     // several full-size messages
constexpr std::size_t kMaxTxQueue = 256 * 1024;  // per connection, before messages are dropped
constexpr uint64_t kHandshakeTimeoutNs = 10'000'000'000ULL;

uint64_t mono_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

asio::ip::address unmapped(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    }
    return a;
}

void put_ip(const asio::ip::address& a, uint8_t out[16]) {
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        std::memcpy(out, b.data(), 4);
    } else {
        const auto b = a.to_v6().to_bytes();
        std::memcpy(out, b.data(), 16);
    }
}

}  // namespace

// ---- connections --------------------------------------------------------------------------------

class TurnStreamServer::Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(TurnStreamServer& srv, const shm::StreamMeta& meta, uint32_t worker)
        : srv_(srv), meta_(meta), worker_(worker), rx_(kRxBuffer), opened_ns_(mono_ns()),
          last_rx_ns_(opened_ns_) {}
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    virtual void start() = 0;
    virtual void read_more() = 0;

    /// Queues one message for the client; a client that does not read loses messages (counted)
    /// rather than growing memory without bound.
    void deliver(ByteSpan msg) {
        if (closed_ || msg.empty()) {
            return;
        }
        if (tx_pending_.size() + msg.size() > kMaxTxQueue) {
            ++srv_.n_.slow_client_drops;
            return;
        }
        tx_pending_.insert(tx_pending_.end(), msg.begin(), msg.end());
        tx_pending_lens_.push_back(static_cast<uint32_t>(msg.size()));
        ++srv_.n_.messages_out;
        srv_.n_.bytes_out += msg.size();
        if (!writing_ && ready_) {
            flush();
        }
    }

    void close() {
        if (closed_) {
            return;
        }
        auto keep = shared_from_this();  // on_closed drops the server's reference
        closed_ = true;
        close_socket();
        srv_.on_closed(*this);
    }

    [[nodiscard]] const shm::StreamMeta& meta() const noexcept { return meta_; }
    [[nodiscard]] uint32_t worker() const noexcept { return worker_; }

protected:
    virtual void flush() = 0;
    virtual void close_socket() noexcept = 0;

    /// Bytes arrived: frame and forward them, then read again unless the ring is full.
    void on_read(const boost::system::error_code& ec, std::size_t n) {
        if (closed_) {
            return;
        }
        if (ec) {
            close();
            return;
        }
        rx_len_ += n;
        last_rx_ns_ = mono_ns();
        srv_.n_.bytes_in += n;
        if (srv_.forward(*this)) {
            read_more();
        }
    }

    void on_written(const boost::system::error_code& ec) {
        writing_ = false;
        tx_inflight_.clear();
        tx_inflight_lens_.clear();
        if (ec) {
            close();
            return;
        }
        if (!tx_pending_.empty() && !closed_) {
            flush();
        }
    }

    friend class TurnStreamServer;
    TurnStreamServer& srv_;
    shm::StreamMeta meta_;
    uint32_t worker_;
    std::vector<std::byte> rx_;
    std::size_t rx_len_ = 0;
    // Queued messages back to back, with each one's length: TLS writes them one record each.
    std::vector<std::byte> tx_pending_;
    std::vector<uint32_t> tx_pending_lens_;
    std::vector<std::byte> tx_inflight_;  // being written; its lengths below
    std::vector<uint32_t> tx_inflight_lens_;
    bool writing_ = false;
    bool ready_ = false;  // TLS handshake done (at once for TCP)
    bool closed_ = false;
    bool paused_ = false;  // waiting for inject ring room
    uint64_t opened_ns_;
    uint64_t last_rx_ns_;
};

template <class Stream>
class TurnStreamServer::Session final : public Connection {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

    template <class... Args>
    Session(TurnStreamServer& srv, const shm::StreamMeta& meta, uint32_t worker, Args&&... args)
        : Connection(srv, meta, worker), stream_(std::forward<Args>(args)...) {}

    void start() override {
        if constexpr (kTls) {
            stream_.async_handshake(
                asio::ssl::stream_base::server,
                [self = shared_from_this(), this](const boost::system::error_code& ec) {
                    if (closed_) {
                        return;
                    }
                    if (ec) {
                        ++srv_.n_.tls_handshake_failures;
                        close();
                        return;
                    }
                    ready_ = true;
                    if (!tx_pending_.empty()) {
                        flush();
                    }
                    read_more();
                });
        } else {
            ready_ = true;
            read_more();
        }
    }

    void read_more() override {
        stream_.async_read_some(
            asio::buffer(rx_.data() + rx_len_, rx_.size() - rx_len_),
            [self = shared_from_this(), this](const boost::system::error_code& ec, std::size_t n) {
                on_read(ec, n);
            });
    }

private:
    void flush() override {
        writing_ = true;
        tx_inflight_.swap(tx_pending_);
        tx_inflight_lens_.swap(tx_pending_lens_);
        if constexpr (kTls) {
            write_record(0, 0);
        } else {
            // A TCP stream has no boundaries a client could see: everything queued in one write.
            asio::async_write(stream_, asio::buffer(tx_inflight_),
                              [self = shared_from_this(), this](const boost::system::error_code& ec,
                                                                std::size_t) { on_written(ec); });
        }
    }

    /// TLS: message `i` of the batch being written, at byte `off`, in a TLS record of its own,
    /// then the next one. A message is at most a few KiB, below TLS's 16 KiB record limit, so
    /// one SSL_write of it makes one record. Clients may read a record as one message: coturn's
    /// turnutils_uclient takes each SSL_read for one message and ignores the rest (a ChannelData
    /// message's length field cuts it), so two messages in one record lose the second
    /// (docs/turn.md, "TURN over TCP and TLS"). coturn's server, too, hands each message to
    /// SSL_write as it goes out.
    void write_record(std::size_t i, std::size_t off) {
        asio::async_write(stream_, asio::buffer(tx_inflight_.data() + off, tx_inflight_lens_[i]),
                          [self = shared_from_this(), this, i,
                           off](const boost::system::error_code& ec, std::size_t) {
                              if (ec || closed_ || i + 1 == tx_inflight_lens_.size()) {
                                  on_written(ec);
                                  return;
                              }
                              write_record(i + 1, off + tx_inflight_lens_[i]);
                          });
    }

    void close_socket() noexcept override {
        boost::system::error_code ec;
        stream_.lowest_layer().close(ec);
    }

    Stream stream_;
};

// ---- the server ---------------------------------------------------------------------------------

struct TurnStreamServer::Listener {
    tcp::acceptor acceptor;
    uint16_t port;
    bool tls;
};

TurnStreamServer::TurnStreamServer(asio::io_context& io, const Config& cfg, Logger& log)
    : io_(io), cfg_(cfg), log_(log) {
    // Connection ids are part of the data plane's 5-tuple: start at a random point so ids of a
    // previous control plane never match ours, and never use 0.
    std::random_device rd;
    next_id_ = ((uint64_t{rd()} << 32) | rd()) | 1;
    for (std::size_t i = 0; i < cfg.dataplane.ports.size(); ++i) {
        const PortConfig& p = cfg.dataplane.ports[i];
        if (p.ipv4) {
            addresses_.push_back(
                {asio::ip::make_address_v4(p.ipv4->addr.to_string()), static_cast<uint16_t>(i)});
        }
        if (p.ipv6) {
            addresses_.push_back(
                {asio::ip::make_address_v6(p.ipv6->addr.to_string()), static_cast<uint16_t>(i)});
        }
    }
    const TurnConfig& t = cfg.dataplane.turn;
    if (!t.enabled) {
        return;
    }
    if (!t.tls_ports.empty()) {
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
        try {
            tls_->use_certificate_chain_file(t.tls_certificate);
        } catch (const std::exception& e) {
            throw std::runtime_error("turn.tls_certificate " + t.tls_certificate + ": " + e.what());
        }
        try {
            tls_->use_private_key_file(t.tls_private_key, asio::ssl::context::pem);
        } catch (const std::exception& e) {
            throw std::runtime_error("turn.tls_private_key " + t.tls_private_key + ": " + e.what());
        }
    }
    for (uint16_t p : t.tcp_ports) {
        open_listener(p, false);
    }
    for (uint16_t p : t.tls_ports) {
        open_listener(p, true);
    }
}

TurnStreamServer::~TurnStreamServer() {
    try {
        detach();
    } catch (...) {
        // detach() allocates its list of connections to close; without memory for that, the
        // io_context's destruction closes them all the same.
    }
    for (auto& l : listeners_) {
        boost::system::error_code ec;
        l->acceptor.close(ec);
    }
}

void TurnStreamServer::open_listener(uint16_t port, bool tls) {
    auto l = std::make_unique<Listener>(Listener{tcp::acceptor{io_}, port, tls});
    boost::system::error_code ec;
    // Dual-stack where the host has IPv6, else IPv4 only.
    l->acceptor.open(tcp::v6(), ec);
    if (!ec) {
        l->acceptor.set_option(asio::ip::v6_only(false), ec);
    }
    tcp::endpoint at{tcp::v6(), port};
    if (ec) {
        l->acceptor = tcp::acceptor{io_};
        l->acceptor.open(tcp::v4());
        at = tcp::endpoint{tcp::v4(), port};
    }
    l->acceptor.set_option(asio::socket_base::reuse_address(true));
    l->acceptor.bind(at, ec);
    if (ec) {
        throw std::runtime_error("TURN over " + std::string(tls ? "TLS" : "TCP") +
                                 ": cannot listen on port " + std::to_string(port) + ": " +
                                 ec.message());
    }
    l->acceptor.listen(asio::socket_base::max_listen_connections);
    log_.info("TURN stream listener open", {{"port", port}, {"transport", tls ? "tls" : "tcp"}});
    accept_next(*l);
    listeners_.push_back(std::move(l));
}

void TurnStreamServer::accept_next(Listener& l) {
    l.acceptor.async_accept([this, &l](const boost::system::error_code& ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            on_accept(l, std::move(sock));
        }
        accept_next(l);
    });
}

void TurnStreamServer::on_accept(Listener& l, tcp::socket sock) {
    boost::system::error_code ec;
    const tcp::endpoint local = sock.local_endpoint(ec);
    const tcp::endpoint remote = ec ? tcp::endpoint{} : sock.remote_endpoint(ec);
    if (ec || dp_ == nullptr || conns_.size() >= cfg_.dataplane.turn.max_stream_connections) {
        ++n_.refused;
        return;  // the socket closes as it goes out of scope
    }
    const asio::ip::address local_ip = unmapped(local.address());
    const asio::ip::address remote_ip = unmapped(remote.address());
    const LocalAddress* at = nullptr;
    for (const LocalAddress& a : addresses_) {
        if (a.addr == local_ip) {
            at = &a;
        }
    }
    if (at == nullptr || local_ip.is_v4() != remote_ip.is_v4()) {
        ++n_.refused;  // not one of the data plane's addresses: no relayed address to give
        return;
    }
    sock.set_option(tcp::no_delay(true), ec);
    shm::StreamMeta meta{};
    meta.conn = next_id_++;
    if (meta.conn == 0) {
        meta.conn = next_id_++;
    }
    meta.port = at->port_index;
    meta.transport = l.tls ? shm::StreamTransport::Tls : shm::StreamTransport::Tcp;
    meta.is_v6 = local_ip.is_v6() ? 1 : 0;
    meta.client_port = remote.port();
    meta.server_port = local.port();
    put_ip(remote_ip, meta.client_ip);
    put_ip(local_ip, meta.server_ip);
    // Connections spread over workers; the allocation lives on the chosen one.
    const auto worker = static_cast<uint32_t>(meta.conn % dp_->workers());
    std::shared_ptr<Connection> c;
    if (l.tls) {
        c = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(*this, meta, worker,
                                                                      std::move(sock), *tls_);
    } else {
        c = std::make_shared<Session<tcp::socket>>(*this, meta, worker, std::move(sock));
    }
    ++n_.accepted;
    conns_.emplace(meta.conn, c);
    c->start();
}

bool TurnStreamServer::forward(Connection& c) {
    if (dp_ == nullptr) {
        c.close();
        return false;
    }
    shm::RingProducer& ring = dp_->inject(c.worker());
    std::size_t off = 0;
    bool more = true;
    for (;;) {
        auto f = wire::turn::next_stream_frame(ByteSpan{c.rx_.data() + off, c.rx_len_ - off});
        if (!f) {
            ++n_.framing_errors;
            log_.warn("TURN stream broken; closing",
                      {{"conn", std::to_string(c.meta().conn)},
                       {"error", std::string(wire::to_string(f.error()))}});
            c.close();
            return false;
        }
        if (f->message_len == 0) {
            break;
        }
        shm::StreamMeta meta = c.meta();
        meta.len = static_cast<uint32_t>(f->message_len);
        // A slot holds the header and kMaxStreamMessage bytes: false means the ring is full.
        if (!ring.try_push(meta, ByteSpan{c.rx_.data() + off, f->message_len})) {
            ++n_.inject_full;
            c.paused_ = true;
            paused_.push_back(c.meta().conn);
            more = false;
            break;
        }
        ++n_.messages_in;
        off += f->consumed;
    }
    if (off > 0) {
        std::memmove(c.rx_.data(), c.rx_.data() + off, c.rx_len_ - off);
        c.rx_len_ -= off;
        last_activity_ns_ = mono_ns();
    }
    return more;
}

bool TurnStreamServer::push_close(const shm::StreamMeta& meta) {
    const uint32_t worker = static_cast<uint32_t>(meta.conn % dp_->workers());
    shm::StreamCloseMeta close{};
    static_cast<shm::StreamMeta&>(close) = meta;
    close.len = 0;
    return dp_->inject(worker).try_push(close, ByteSpan{});
}

void TurnStreamServer::on_closed(Connection& c) {
    ++n_.closed;
    if (dp_ != nullptr && !push_close(c.meta())) {
        pending_close_.push_back(c.meta());
    }
    conns_.erase(c.meta().conn);
}

void TurnStreamServer::attach(DataplaneClient& dp) {
    detach();
    dp_ = &dp;
    for (uint32_t w = 0; w < dp.workers(); ++w) {
        if (!dp.inject(w).try_push(static_cast<uint16_t>(shm::MsgType::TurnStreamReset),
                                   ByteSpan{})) {
            log_.warn("inject ring full; stale TURN stream allocations expire on their own",
                      {{"worker", w}});
        }
    }
}

void TurnStreamServer::detach() {
    dp_ = nullptr;
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(conns_.size());
    for (auto& [id, c] : conns_) {
        all.push_back(c);
    }
    for (auto& c : all) {
        c->close();
    }
    conns_.clear();
    paused_.clear();
    pending_close_.clear();
}

bool TurnStreamServer::pump(uint64_t now_ns) {
    last_pump_ns_ = now_ns;
    if (dp_ == nullptr) {
        return false;
    }
    bool moved = false;
    if (!pending_close_.empty()) {
        std::erase_if(pending_close_, [this](const shm::StreamMeta& m) { return push_close(m); });
    }
    if (!paused_.empty()) {
        std::vector<uint64_t> waiting;
        waiting.swap(paused_);
        for (uint64_t id : waiting) {
            auto it = conns_.find(id);
            if (it == conns_.end() || !it->second->paused_) {
                continue;
            }
            auto c = it->second;
            c->paused_ = false;
            if (forward(*c)) {
                c->read_more();
            }
            moved = true;
        }
    }
    if (now_ns - last_sweep_ns_ > 1'000'000'000ULL) {
        last_sweep_ns_ = now_ns;
        // A connection that never finished its TLS handshake, or sent nothing for longer than
        // any allocation can live without a refresh, is closed.
        const uint64_t idle_ns =
            (uint64_t{cfg_.dataplane.turn.max_lifetime_s} + 60) * 1'000'000'000ULL;
        std::vector<std::shared_ptr<Connection>> stale;
        for (auto& [id, c] : conns_) {
            if ((!c->ready_ && now_ns - c->opened_ns_ > kHandshakeTimeoutNs) ||
                now_ns - c->last_rx_ns_ > idle_ns) {
                stale.push_back(c);
            }
        }
        for (auto& c : stale) {
            ++n_.idle_closed;
            c->close();
        }
    }
    if (moved) {
        last_activity_ns_ = now_ns;
    }
    return moved;
}

bool TurnStreamServer::on_punt(const shm::RingMessage& m) {
    const auto msg = shm::decode_framed<shm::StreamMeta>(m);
    if (!msg) {
        return false;
    }
    auto it = conns_.find(msg->head.conn);
    if (it == conns_.end()) {
        ++n_.unknown_connection;
        return false;
    }
    it->second->deliver(msg->body);
    last_activity_ns_ = last_pump_ns_;
    return true;
}

uint16_t TurnStreamServer::listen_port_for_test(std::size_t i) const {
    boost::system::error_code ec;
    return listeners_.at(i)->acceptor.local_endpoint(ec).port();
}

nlohmann::json TurnStreamServer::stats() const {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& l : listeners_) {
        ports.push_back({{"port", l->port}, {"transport", l->tls ? "tls" : "tcp"}});
    }
    return {{"listeners", ports},
            {"open", conns_.size()},
            {"accepted", n_.accepted},
            {"closed", n_.closed},
            {"refused", n_.refused},
            {"tls_handshake_failures", n_.tls_handshake_failures},
            {"framing_errors", n_.framing_errors},
            {"idle_closed", n_.idle_closed},
            {"messages_in", n_.messages_in},
            {"bytes_in", n_.bytes_in},
            {"messages_out", n_.messages_out},
            {"bytes_out", n_.bytes_out},
            {"inject_full", n_.inject_full},
            {"slow_client_drops", n_.slow_client_drops},
            {"unknown_connection", n_.unknown_connection}};
}

}  // namespace tern::cp
