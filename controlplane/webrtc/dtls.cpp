#include "controlplane/webrtc/dtls.hpp"

#include "common/ascii.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <sys/time.h>

namespace tern::cp {

namespace {

/// Server preference: AES-256-GCM first (RFC 7714), AES-CM/HMAC-SHA1-80 last (every browser
/// offers it; it costs the data plane a SHA-1 per packet).
constexpr const char* kSrtpProfiles =
    "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

std::string openssl_error(const char* what) {
    std::string s = what;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        s += ": ";
        s += buf.data();
    }
    return s;
}

std::string hex_colons(const unsigned char* d, unsigned n) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string s;
    for (unsigned i = 0; i < n; ++i) {
        if (i != 0) {
            s += ':';
        }
        s += kHex[d[i] >> 4];
        s += kHex[d[i] & 15];
    }
    return s;
}

const EVP_MD* digest_named(const std::string& name) {
    const std::string n = ascii_lower(name);
    if (n == "sha-256") {
        return EVP_sha256();
    }
    if (n == "sha-384") {
        return EVP_sha384();
    }
    if (n == "sha-512") {
        return EVP_sha512();
    }
    if (n == "sha-1") {
        return EVP_sha1();
    }
    return nullptr;
}

/// Retransmission: 100 ms first (a lost flight on a LAN should not cost a second), doubling to 4 s.
unsigned int retransmit_after_us(SSL*, unsigned int previous_us) {
    return previous_us == 0 ? 100'000 : std::min(previous_us * 2, 4'000'000U);
}

int accept_any_certificate(int, X509_STORE_CTX*) {
    return 1;  // self-signed by design; the SDP fingerprint is checked after the handshake
}

}  // namespace

// ---- the write side: one datagram per BIO_write ------------------------------------------------

struct DtlsBio {
    static BIO_METHOD* method() {
        static BIO_METHOD* m = [] {
            BIO_METHOD* bm =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tern-dtls-datagrams");
            BIO_meth_set_write(bm, &DtlsBio::write);
            BIO_meth_set_ctrl(bm, &DtlsBio::ctrl);
            BIO_meth_set_create(bm, [](BIO* b) {
                BIO_set_init(b, 1);
                return 1;
            });
            return bm;
        }();
        return m;
    }
    static int write(BIO* b, const char* data, int len) {
        auto* s = static_cast<DtlsSession*>(BIO_get_data(b));
        if (s != nullptr && s->send_ && len > 0) {
            s->send_(
                ByteSpan{reinterpret_cast<const std::byte*>(data), static_cast<std::size_t>(len)});
        }
        return len;
    }
    static long ctrl(BIO*, int cmd, long, void*) {
        // Flushing succeeds (every write went out at once); nothing is ever pending, and an MTU
        // query gets 0 (OpenSSL keeps the MTU it was given).
        return cmd == BIO_CTRL_FLUSH ? 1 : 0;
    }
};

// ---- identity ---------------------------------------------------------------------------------

Result<std::shared_ptr<DtlsIdentity>, std::string> DtlsIdentity::generate(KeyType type) {
    using R = Result<std::shared_ptr<DtlsIdentity>, std::string>;
    EVP_PKEY* key = type == KeyType::EcdsaP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    if (key == nullptr) {
        return R{unexpected(openssl_error("DTLS key generation failed"))};
    }
    X509* cert = X509_new();
    std::array<unsigned char, 8> serial{};
    RAND_bytes(serial.data(), serial.size());
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial.data(), serial.size(), nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tern"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    if (X509_sign(cert, key, EVP_sha256()) == 0) {
        X509_free(cert);
        EVP_PKEY_free(key);
        return R{unexpected(openssl_error("DTLS certificate signing failed"))};
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned md_len = 0;
    X509_digest(cert, EVP_sha256(), md.data(), &md_len);

    std::shared_ptr<DtlsIdentity> id{new DtlsIdentity()};
    id->fingerprint_ = "sha-256 " + hex_colons(md.data(), md_len);
    id->ctx_ = SSL_CTX_new(DTLS_method());
    SSL_CTX* ctx = id->ctx_;
    const bool ok = ctx != nullptr && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
                    SSL_CTX_use_certificate(ctx, cert) == 1 &&
                    SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1 &&
                    SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) == 0;  // 0 is success here
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) {
        return R{unexpected(openssl_error("DTLS context set-up failed"))};
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       accept_any_certificate);
    SSL_CTX_set_read_ahead(ctx, 1);
    return R{std::move(id)};
}

DtlsIdentity::~DtlsIdentity() {
    SSL_CTX_free(ctx_);
}

// ---- session ----------------------------------------------------------------------------------

DtlsSession::DtlsSession(std::shared_ptr<DtlsIdentity> identity, Role role,
                         std::string remote_fingerprint, Send send, uint16_t mtu)
    : identity_(std::move(identity)), role_(role),
      remote_fingerprint_(std::move(remote_fingerprint)), send_(std::move(send)) {
    ssl_ = SSL_new(identity_->context());
    in_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);  // empty means "wait", not end of stream
    BIO* out = BIO_new(DtlsBio::method());
    BIO_set_data(out, this);
    SSL_set_bio(ssl_, in_, out);
    SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl_, mtu);
    DTLS_set_timer_cb(ssl_, retransmit_after_us);
    if (role_ == Role::Server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

DtlsSession::~DtlsSession() {
    if (ssl_ != nullptr) {
        BIO_set_data(SSL_get_wbio(ssl_), nullptr);  // nothing is sent from a dying session
        SSL_free(ssl_);
    }
}

void DtlsSession::start(uint64_t now_ms) {
    if (role_ == Role::Client && state_ == State::Handshaking) {
        drive(now_ms);
    }
}

void DtlsSession::on_datagram(ByteSpan d, uint64_t now_ms) {
    if (state_ == State::Failed || state_ == State::Closed || d.empty()) {
        return;
    }
    BIO_write(in_, d.data(), static_cast<int>(d.size()));
    drive(now_ms);
}

void DtlsSession::drive(uint64_t now_ms) {
    if (state_ == State::Handshaking) {
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            finish_handshake();
        } else {
            const int e = SSL_get_error(ssl_, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                fail(openssl_error("DTLS handshake failed"));
                return;
            }
            arm_timer(now_ms);
            (void)BIO_reset(in_);  // a record OpenSSL could not use is not retried
            return;
        }
    }
    if (state_ != State::Connected) {
        return;
    }
    std::array<std::byte, 2048> buf{};
    for (;;) {
        const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
            if (on_application) {
                on_application(ByteSpan{buf.data(), static_cast<std::size_t>(n)});
            }
            continue;
        }
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_ZERO_RETURN) {
            state_ = State::Closed;  // close_notify
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();  // a bad record is dropped; the association stays
        }
        break;
    }
    (void)BIO_reset(in_);
}

void DtlsSession::finish_handshake() {
    timer_ms_.reset();
    X509* peer = SSL_get1_peer_certificate(ssl_);
    if (peer == nullptr) {
        fail("the peer sent no certificate");
        return;
    }
    const auto space = remote_fingerprint_.find(' ');
    const EVP_MD* md =
        space == std::string::npos ? nullptr : digest_named(remote_fingerprint_.substr(0, space));
    std::array<unsigned char, EVP_MAX_MD_SIZE> d{};
    unsigned n = 0;
    const bool digested = md != nullptr && X509_digest(peer, md, d.data(), &n) == 1;
    X509_free(peer);
    if (!digested) {
        fail("unsupported fingerprint '" + remote_fingerprint_ + "'");
        return;
    }
    if (ascii_lower(hex_colons(d.data(), n)) !=
        ascii_lower(remote_fingerprint_.substr(space + 1))) {
        fail("the peer's certificate does not match the fingerprint of its SDP");
        return;
    }
    const SRTP_PROTECTION_PROFILE* p = SSL_get_selected_srtp_profile(ssl_);
    if (p == nullptr) {
        fail("no SRTP profile was negotiated (use_srtp)");
        return;
    }
    srtp::Suite suite{};
    std::size_t key_len = 0;
    std::size_t salt_len = 0;
    switch (p->id) {
    case SRTP_AEAD_AES_256_GCM:
        suite = srtp::Suite::AeadAes256Gcm, key_len = 32, salt_len = 12;
        break;
    case SRTP_AEAD_AES_128_GCM:
        suite = srtp::Suite::AeadAes128Gcm, key_len = 16, salt_len = 12;
        break;
    case SRTP_AES128_CM_SHA1_80:
        suite = srtp::Suite::AesCm128HmacSha1_80, key_len = 16, salt_len = 14;
        break;
    default: fail(std::string("unsupported SRTP profile ") + p->name); return;
    }
    // RFC 5764 §4.2: client key, server key, client salt, server salt.
    std::array<uint8_t, 2 * (32 + 14)> km{};
    static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(ssl_, km.data(), 2 * (key_len + salt_len), kLabel,
                                   sizeof kLabel - 1, nullptr, 0, 0) != 1) {
        fail(openssl_error("SRTP key export failed"));
        return;
    }
    srtp::MasterKey client;
    srtp::MasterKey server;
    client.suite = server.suite = suite;
    std::memcpy(client.key.data(), km.data(), key_len);
    std::memcpy(server.key.data(), km.data() + key_len, key_len);
    std::memcpy(client.salt.data(), km.data() + 2 * key_len, salt_len);
    std::memcpy(server.salt.data(), km.data() + 2 * key_len + salt_len, salt_len);
    keys_ = role_ == Role::Server ? SrtpKeying{client, server} : SrtpKeying{server, client};
    profile_ = p->name;
    state_ = State::Connected;
}

void DtlsSession::fail(std::string why) {
    state_ = State::Failed;
    error_ = std::move(why);
    timer_ms_.reset();
    ERR_clear_error();
}

void DtlsSession::arm_timer(uint64_t now_ms) {
    timeval tv{};
    if (DTLSv1_get_timeout(ssl_, &tv) == 1) {
        timer_ms_ = now_ms + static_cast<uint64_t>(tv.tv_sec) * 1000 +
                    static_cast<uint64_t>(tv.tv_usec) / 1000;
    } else {
        timer_ms_.reset();
    }
}

std::optional<uint64_t> DtlsSession::next_timer_ms() const noexcept {
    return timer_ms_;
}

void DtlsSession::on_timer(uint64_t now_ms) {
    if (state_ != State::Handshaking || !timer_ms_ || now_ms < *timer_ms_) {
        return;
    }
    if (DTLSv1_handle_timeout(ssl_) < 0) {
        fail(openssl_error("DTLS handshake timed out"));
        return;
    }
    arm_timer(now_ms);
}

bool DtlsSession::send_application(ByteSpan data) {
    if (state_ != State::Connected) {
        return false;
    }
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
}

}  // namespace tern::cp
