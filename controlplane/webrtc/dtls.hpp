// DTLS-SRTP (RFC 5764, RFC 8827) with OpenSSL, over datagrams the caller carries.
//
// DtlsIdentity is the control plane's certificate (ECDSA P-256 by default, RSA 2048 as an
// option), made at start-up and announced in every SDP as `a=fingerprint:sha-256 ...`.
// DtlsSession is one transport's handshake: tern answers offers with a=setup:passive and offers
// a=setup:actpass, so it is normally the DTLS server; the client role exists for tests. Records
// arrive by on_datagram() (punted by the data plane) and leave through the `send` callback one
// datagram per call (injected), each within the configured MTU. The peer's certificate must
// match the fingerprint its SDP announced. When the handshake completes the SRTP master keys are
// exported (RFC 5764 §4.2) for the data plane; application data (SCTP) then flows both ways.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/srtp/srtp.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;
using BIO = struct bio_st;

namespace tern::cp {

class DtlsIdentity {
public:
    enum class KeyType { EcdsaP256, Rsa2048 };

    static Result<std::shared_ptr<DtlsIdentity>, std::string> generate(KeyType type);
    ~DtlsIdentity();
    DtlsIdentity(const DtlsIdentity&) = delete;
    DtlsIdentity& operator=(const DtlsIdentity&) = delete;

    /// "sha-256 AB:CD:..." as written after `a=fingerprint:`.
    [[nodiscard]] const std::string& fingerprint() const noexcept { return fingerprint_; }
    [[nodiscard]] SSL_CTX* context() const noexcept { return ctx_; }

private:
    DtlsIdentity() = default;
    SSL_CTX* ctx_ = nullptr;
    std::string fingerprint_;
};

/// The SRTP keys of one transport, from our point of view.
struct SrtpKeying {
    srtp::MasterKey rx;  // what the remote protects with
    srtp::MasterKey tx;  // what we protect with
};

class DtlsSession {
public:
    enum class Role { Server, Client };
    enum class State { Handshaking, Connected, Failed, Closed };
    using Send = std::function<void(ByteSpan datagram)>;

    /// `remote_fingerprint` is the peer's SDP value ("sha-256 AB:..."; other hashes of RFC 8122
    /// are accepted too).
    DtlsSession(std::shared_ptr<DtlsIdentity> identity, Role role, std::string remote_fingerprint,
                Send send, uint16_t mtu = 1200);
    ~DtlsSession();
    DtlsSession(const DtlsSession&) = delete;
    DtlsSession& operator=(const DtlsSession&) = delete;

    /// A client sends its first flight here; a server waits for one.
    void start(uint64_t now_ms);
    void on_datagram(ByteSpan datagram, uint64_t now_ms);
    /// When the next retransmission is due (absolute, ms), while handshaking.
    [[nodiscard]] std::optional<uint64_t> next_timer_ms() const noexcept;
    void on_timer(uint64_t now_ms);
    /// Sends application data (SCTP packets) once connected.
    bool send_application(ByteSpan data);
    /// Application data received (SCTP packets for the data channels).
    std::function<void(ByteSpan)> on_application;

    [[nodiscard]] State state() const noexcept { return state_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// Valid once Connected.
    [[nodiscard]] const SrtpKeying& keys() const noexcept { return keys_; }
    [[nodiscard]] const char* profile_name() const noexcept { return profile_; }

private:
    void drive(uint64_t now_ms);
    void finish_handshake();
    void fail(std::string why);
    void arm_timer(uint64_t now_ms);

    std::shared_ptr<DtlsIdentity> identity_;
    Role role_;
    std::string remote_fingerprint_;
    Send send_;
    SSL* ssl_ = nullptr;
    BIO* in_ = nullptr;  // owned by ssl_
    State state_ = State::Handshaking;
    std::string error_;
    SrtpKeying keys_;
    const char* profile_ = "";
    std::optional<uint64_t> timer_ms_;

    friend struct DtlsBio;
};

}  // namespace tern::cp
