// SRTP and SRTCP (RFC 3711) with the suites WebRTC uses: AEAD_AES_256_GCM and AEAD_AES_128_GCM
// (RFC 7714) and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4, RFC 5764).
//
// Built for the data plane's fast path: session keys are derived and the cipher keyed once, when
// keys are installed; per packet there is an IV, one pass of the cipher and the tag, in place,
// with no allocation. AES-GCM runs on intel-ipsec-mb (direct calls into its AES-NI/VAES code,
// with the GHASH tables precomputed per key) when the CPU supports it, else on OpenSSL's EVP,
// whose per-call parameter handling costs more than the cipher on short packets; AES-CM runs on
// EVP. HMAC-SHA1, which bounds that suite, runs on OpenSSL's SHA-1, or for a sender that can
// wait (the SFU) on intel-ipsec-mb's multi-buffer SHA-1, many packets' tags in one pass (see
// TagSink). A Context serves one direction of one transport (the
// keys one DTLS handshake exported for that direction) for any number of SSRCs up to its
// capacity; each SSRC keeps its rollover counter, highest sequence number and replay window.
//
// Not thread-safe: a Context belongs to the lcore that owns its transport.
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

using EVP_CIPHER_CTX = struct evp_cipher_ctx_st;  // as OpenSSL declares it
struct gcm_key_data;

namespace tern::srtp {

enum class Suite : uint8_t {
    AesCm128HmacSha1_80,  // NOLINT(readability-identifier-naming): DTLS-SRTP profile 0x0001
    AeadAes128Gcm,        // 0x0007
    AeadAes256Gcm,        // 0x0008
};

struct SuiteInfo {
    std::size_t key_len;   // master and session cipher key
    std::size_t salt_len;  // master and session salt
    std::size_t tag_len;   // bytes appended to each packet (auth tag or GCM tag)
    bool aead;
    uint16_t dtls_profile;
    std::string_view name;
};

/// Indexed by Suite.
inline constexpr SuiteInfo kSuites[] = {
    {16, 14, 10, false, 0x0001, "AES_CM_128_HMAC_SHA1_80"},
    {16, 12, 16, true, 0x0007, "AEAD_AES_128_GCM"},
    {32, 12, 16, true, 0x0008, "AEAD_AES_256_GCM"},
};

/// Inline: the per-packet path asks for the tag length.
inline const SuiteInfo& info(Suite s) noexcept {
    return kSuites[static_cast<std::size_t>(s)];
}

/// The suite of a DTLS-SRTP protection profile id (RFC 5764 §4.1.2, RFC 7714 §14.2).
bool suite_from_dtls_profile(uint16_t profile, Suite& out) noexcept;

struct MasterKey {
    Suite suite = Suite::AeadAes256Gcm;
    std::array<uint8_t, 32> key{};   // key_len bytes used
    std::array<uint8_t, 14> salt{};  // salt_len bytes used
};

enum class Status : uint8_t {
    Ok,
    Malformed,        // not RTP/RTCP, or too short for its header and tag
    AuthFailed,       // tag mismatch (or GCM decryption failure)
    ReplayOld,        // older than the replay window
    ReplayDuplicate,  // seen already
    NoRoom,           // the buffer cannot hold the tag (protect)
    TooManyStreams,   // a new SSRC and the context is full
};

std::string_view to_string(Status s) noexcept;

/// The AES-CM key derivation function of RFC 3711 §4.3.1 with a key derivation rate of 0,
/// as RFC 7714 §11 also uses for GCM (its 12-byte salt padded with zeros): `out.size()` bytes
/// of session key material for `label` (0–5).
void derive(const MasterKey& mk, uint8_t label, MutableByteSpan out) noexcept;

/// One stream family's session keys (SRTP or SRTCP), as the KDF produces them.
struct SessionKeys {
    std::array<uint8_t, 32> key{};   // key_len bytes used
    std::array<uint8_t, 14> salt{};  // salt_len bytes used
    std::array<uint8_t, 20> auth{};  // HMAC-SHA1 key (AES-CM suite only)
};

/// The session keys for SRTP (`rtcp` false: labels 0–2) or SRTCP (labels 3–5).
SessionKeys session_keys(const MasterKey& mk, bool rtcp) noexcept;

enum class Direction : uint8_t { Protect, Unprotect };

/// Deferred tags: for AES_CM_128_HMAC_SHA1_80 the tag costs more than the cipher, and
/// intel-ipsec-mb's multi-buffer SHA-1 computes up to 16 (AVX-512 lanes) at once.
/// Context::protect_rtp_deferred() encrypts a packet at once and queues its tag on the thread's
/// manager; the packet is complete, and may be sent, when the owner's tag_done() gets its token
/// back: as later packets fill the lanes, or at tags::flush() (the data plane calls it at the end
/// of each loop, before transmitting). Tokens of one owner come back in submission order.
class TagSink {
public:
    virtual void tag_done(void* token) noexcept = 0;

protected:
    ~TagSink() = default;
};

namespace tags {
/// Whether this thread defers tags (intel-ipsec-mb runs here and TERN_SRTP_NO_IPSEC_MB is unset).
bool available() noexcept;
/// Completes every tag queued on this thread.
void flush() noexcept;
/// Tags queued on this thread and not yet completed.
std::size_t pending() noexcept;
}  // namespace tags

class Context {
public:
    /// `max_streams`: SSRCs this context tracks (a fixed table; no allocation per packet).
    Context(const MasterKey& mk, Direction dir, uint32_t max_streams = 64);
    /// With session keys given directly (RFC 7714's test vectors are stated that way).
    Context(Suite suite, const SessionKeys& rtp, const SessionKeys& rtcp, Direction dir,
            uint32_t max_streams = 64);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    [[nodiscard]] Suite suite() const noexcept { return suite_; }
    [[nodiscard]] std::size_t rtp_overhead() const noexcept { return info(suite_).tag_len; }
    [[nodiscard]] std::size_t rtcp_overhead() const noexcept { return info(suite_).tag_len + 4; }

    /// Encrypts and authenticates the RTP packet of `len` bytes at `pkt` in place; the buffer
    /// holds `room` bytes. On Ok, `out_len` is the SRTP packet's length (len + rtp_overhead()).
    Status protect_rtp(std::byte* pkt, std::size_t len, std::size_t room,
                       std::size_t& out_len) noexcept;
    /// The same, out of place: `pkt` holds an RTP header of `header_len` bytes (already as it
    /// is to be sent) and the payload is read from `payload` and written encrypted after it.
    /// Saves the copy of the payload when one plaintext goes to many receivers (the SFU).
    Status protect_rtp_from(std::byte* pkt, std::size_t header_len, const std::byte* payload,
                            std::size_t n, std::size_t room, std::size_t& out_len) noexcept;
    /// protect_rtp_from() for a header the caller built itself (its length, SSRC and sequence
    /// number known): nothing is parsed again.
    Status protect_rtp_at(std::byte* pkt, std::size_t header_len, uint32_t ssrc, uint16_t seq,
                          const std::byte* payload, std::size_t n, std::size_t room,
                          std::size_t& out_len) noexcept;
    /// Whether protect_rtp_deferred() really defers (AES-CM suite, tags::available()).
    [[nodiscard]] bool defers_tags() const noexcept { return rtp_.mb; }
    /// protect_rtp_at() with the tag deferred: on Ok the packet is `out_len` bytes once
    /// `sink.tag_done(token)` is called (right away when !defers_tags()). The `out_len` bytes at
    /// `pkt` must stay untouched until then. Not Ok: nothing is queued and no call follows.
    Status protect_rtp_deferred(std::byte* pkt, std::size_t header_len, uint32_t ssrc, uint16_t seq,
                                const std::byte* payload, std::size_t n, std::size_t room,
                                std::size_t& out_len, TagSink& sink, void* token) noexcept;
    /// Verifies, replay-checks and decrypts in place; `out_len` is the RTP packet's length.
    Status unprotect_rtp(std::byte* pkt, std::size_t len, std::size_t& out_len) noexcept;
    /// SRTCP (§3.4; RFC 7714 §9): always encrypted (E bit set), with a per-SSRC index.
    Status protect_rtcp(std::byte* pkt, std::size_t len, std::size_t room,
                        std::size_t& out_len) noexcept;
    Status unprotect_rtcp(std::byte* pkt, std::size_t len, std::size_t& out_len) noexcept;

    /// Starts loading what protecting RTP of `ssrc` reads (the stream's state, the expanded AES
    /// and GHASH keys) into the cache, so that it arrives while other work runs: a sender with
    /// many contexts (an SFU's subscribers) calls it one packet ahead.
    void prefetch_protect(uint32_t ssrc) const noexcept;

    /// Room for `max_streams` SSRCs (the table grows, keeping every stream's state). Call it
    /// when streams are added, not per packet: it allocates.
    void reserve(uint32_t max_streams);

    /// The rollover counter of an SSRC (for tests and for handing a stream to another context).
    [[nodiscard]] bool roc(uint32_t ssrc, uint32_t& out) const noexcept;
    /// Sets where an SSRC's sequence numbering stands (RFC 3711 §3.3.1: a receiver joining late,
    /// or a sender continuing a stream).
    bool set_roc(uint32_t ssrc, uint32_t roc, uint16_t seq) noexcept;

private:
    struct Stream {
        uint32_t ssrc = 0;
        bool used = false;
        bool rtp_started = false;
        uint32_t roc = 0;
        uint16_t s_l = 0;             // highest sequence number seen (RFC 3711 Appendix A)
        uint64_t window[2] = {0, 0};  // replay bitmap: bit i = index (highest - i) seen
        uint32_t rtcp_index = 0;      // next to send, or highest received
        bool rtcp_started = false;
        uint64_t rtcp_window[2] = {0, 0};
    };
    struct Keys {
        EVP_CIPHER_CTX* cipher = nullptr;  // keyed once; per packet only the IV changes
        gcm_key_data* gcm = nullptr;  // AEAD suites when intel-ipsec-mb runs here: expanded once
        std::array<uint8_t, 14> salt{};
        crypto::HmacSha1Key auth;  // AES-CM suite only
        // AES-CM on intel-ipsec-mb: SHA-1 states after the key's inner and outer pad blocks.
        bool mb = false;
        alignas(16) std::array<uint8_t, 32> ipad_state{};
        alignas(16) std::array<uint8_t, 32> opad_state{};
    };
    /// What every RTP protect starts with: room for `len` bytes and the tag, the stream of
    /// `ssrc`, and the SRTP index of `seq` (the stream's state moved on as a sender does).
    Status begin_protect(std::size_t len, std::size_t room, uint32_t ssrc, uint16_t seq,
                         uint64_t& idx) noexcept;

    Stream* stream(uint32_t ssrc, bool create) noexcept;
    [[nodiscard]] const Stream* find(uint32_t ssrc) const noexcept;
    /// One packet through the keyed cipher: the IV, AAD (two pieces, AEAD only), `n` bytes
    /// in place, and the 16-byte GCM tag written (encrypt) or checked (decrypt).
    /// `in` is where the `n` bytes come from (null: `data` itself, in place).
    bool cipher(Keys& k, const uint8_t iv[16], ByteSpan aad, ByteSpan aad2, std::byte* data,
                std::size_t n, std::byte* tag, bool encrypt,
                const std::byte* in = nullptr) noexcept;

    void setup_keys(Keys& k, const SessionKeys& sk);

    Suite suite_;
    Direction dir_;
    Keys rtp_;
    Keys rtcp_;
    std::vector<Stream> streams_;  // open addressing by SSRC; sized once
    uint32_t used_ = 0;
};

}  // namespace tern::srtp
