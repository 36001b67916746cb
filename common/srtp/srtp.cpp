#include "common/srtp/srtp.hpp"

#include "common/srtp/replay_window.hpp"
#include "common/wire/rtp.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <intel-ipsec-mb.h>
#include <new>
#include <stdexcept>

namespace tern::srtp {

using detail::estimate_index;
using detail::replay_add;
using detail::replay_check;

namespace {

/// One intel-ipsec-mb manager per thread (a Context stays on its lcore); null when the library
/// finds no usable instruction set, and EVP is used instead.
IMB_MGR* imb() {
    thread_local IMB_MGR* mgr = [] {
        IMB_MGR* m = alloc_mb_mgr(0);
        if (m == nullptr) {
            return m;
        }
        IMB_ARCH arch{};
        init_mb_mgr_auto(m, &arch);
        if (imb_get_errno(m) != 0) {
            free_mb_mgr(m);
            return static_cast<IMB_MGR*>(nullptr);
        }
        return m;
    }();
    // TERN_SRTP_NO_IPSEC_MB=1 forces the EVP path (tests run both).
    static const bool disabled = std::getenv("TERN_SRTP_NO_IPSEC_MB") != nullptr;
    return disabled ? nullptr : mgr;
}

/// Deferred tags of this thread: one slot per queued job, completed in submission order.
struct TagSlot {
    alignas(16) uint8_t tag[20];
    std::byte* dst =
        nullptr;          // where the 10-byte tag goes; the authenticated bytes and ROC before it
    std::size_t len = 0;  // of those, ROC included
    const crypto::HmacSha1Key* auth = nullptr;
    TagSink* sink = nullptr;
    void* token = nullptr;
};
struct TagRing {
    static constexpr std::size_t kSlots = 256;  // more than the manager holds in flight
    std::array<TagSlot, kSlots> slots;
    std::size_t head = 0;  // next to use
    std::size_t tail = 0;  // oldest queued
};
thread_local TagRing tag_ring;

void complete(IMB_JOB* job) noexcept {
    for (; job != nullptr; job = IMB_GET_COMPLETED_JOB(imb())) {
        auto* slot = static_cast<TagSlot*>(job->user_data);
        ++tag_ring.tail;
        if (job->status == IMB_STATUS_COMPLETED) {
            std::memcpy(slot->dst, slot->tag, 10);
        } else {
            // Refused by the library (its rules changed?): the tag the slow way, never a wrong one.
            const auto mac =
                slot->auth->compute({ByteSpan{slot->dst - (slot->len - 4), slot->len}});
            std::memcpy(slot->dst, mac.data(), 10);
        }
        slot->sink->tag_done(slot->token);
    }
}

constexpr std::size_t kAuthKeyLen = 20;  // HMAC-SHA1, n_a = 160

void put_u32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

}  // namespace

namespace tags {

bool available() noexcept {
    return imb() != nullptr;
}

void flush() noexcept {
    IMB_MGR* m = imb();
    if (m == nullptr || tag_ring.head == tag_ring.tail) {
        return;
    }
    while (IMB_JOB* job = IMB_FLUSH_JOB(m)) {
        complete(job);
    }
}

std::size_t pending() noexcept {
    return tag_ring.head - tag_ring.tail;
}

}  // namespace tags

namespace {

/// Where an SSRC's stream is looked for first. Fibonacci hashing: the product's high bits, which
/// every bit of the SSRC reaches.
uint32_t home_slot(uint32_t ssrc) noexcept {
    return static_cast<uint32_t>((uint64_t{ssrc} * 0x9e3779b97f4a7c15ULL) >> 32);
}

/// The per-packet IV. RFC 7714 §8.1/§9.1 (AEAD, 12 bytes): 00 00 || SSRC || 48-bit index, XOR
/// the salt. RFC 3711 §4.1.1 (AES-CM, 16 bytes): salt || 00 00, XOR SSRC at octet 4 and the
/// 48-bit index at octet 8. The index is ROC || SEQ for SRTP and the SRTCP index for SRTCP.
void make_iv(bool aead, const std::array<uint8_t, 14>& salt, uint32_t ssrc, uint64_t index,
             uint8_t iv[16]) {
    std::memset(iv, 0, 16);
    const std::size_t at = aead ? 2 : 4;
    put_u32(iv + at, ssrc);
    for (int i = 0; i < 6; ++i) {
        iv[at + 4 + i] = static_cast<uint8_t>(index >> (8 * (5 - i)));
    }
    for (std::size_t i = 0; i < (aead ? 12U : 14U); ++i) {
        iv[i] ^= salt[i];
    }
}

}  // namespace

Context::Context(const MasterKey& mk, Direction dir, uint32_t max_streams)
    : Context(mk.suite, session_keys(mk, false), session_keys(mk, true), dir, max_streams) {}

Context::Context(Suite suite, const SessionKeys& rtp, const SessionKeys& rtcp, Direction dir,
                 uint32_t max_streams)
    : suite_(suite), dir_(dir) {
    uint32_t cap = 8;
    while (cap < max_streams * 2) {
        cap <<= 1;
    }
    streams_.resize(cap);
    setup_keys(rtp_, rtp);
    setup_keys(rtcp_, rtcp);
}

Context::~Context() {
    if (rtp_.mb) {
        tags::flush();  // queued jobs point at this context's pad states
    }
    EVP_CIPHER_CTX_free(rtp_.cipher);
    EVP_CIPHER_CTX_free(rtcp_.cipher);
    std::free(rtp_.gcm);
    std::free(rtcp_.gcm);
}

void Context::setup_keys(Keys& k, const SessionKeys& sk) {
    const SuiteInfo& si = info(suite_);
    std::memcpy(k.salt.data(), sk.salt.data(), si.salt_len);
    const EVP_CIPHER* c = suite_ == Suite::AeadAes256Gcm   ? EVP_aes_256_gcm()
                          : suite_ == Suite::AeadAes128Gcm ? EVP_aes_128_gcm()
                                                           : EVP_aes_128_ctr();
    k.cipher = EVP_CIPHER_CTX_new();
    if (k.cipher == nullptr ||
        EVP_CipherInit_ex(k.cipher, c, nullptr, sk.key.data(), nullptr,
                          dir_ == Direction::Protect || !si.aead ? 1 : 0) != 1) {
        EVP_CIPHER_CTX_free(k.cipher);
        k.cipher = nullptr;
        throw std::runtime_error("SRTP: cannot set up the OpenSSL cipher");
    }
    if (!si.aead) {
        k.auth = crypto::HmacSha1Key{as_bytes(sk.auth.data(), kAuthKeyLen)};
        if (IMB_MGR* m = imb(); m != nullptr && dir_ == Direction::Protect) {
            std::array<uint8_t, 64> pad{};
            for (uint8_t x : {uint8_t{0x36}, uint8_t{0x5c}}) {
                pad.fill(x);
                for (std::size_t i = 0; i < kAuthKeyLen; ++i) {
                    pad[i] ^= sk.auth[i];
                }
                IMB_SHA1_ONE_BLOCK(m, pad.data(),
                                   x == 0x36 ? k.ipad_state.data() : k.opad_state.data());
            }
            k.mb = true;
        }
    } else if (IMB_MGR* m = imb()) {
        constexpr std::size_t kGcmKeyBytes = (sizeof(gcm_key_data) + 63) / 64 * 64;
        k.gcm = static_cast<gcm_key_data*>(std::aligned_alloc(64, kGcmKeyBytes));
        if (k.gcm == nullptr) {
            throw std::bad_alloc();
        }
        if (suite_ == Suite::AeadAes256Gcm) {
            IMB_AES256_GCM_PRE(m, sk.key.data(), k.gcm);
        } else {
            IMB_AES128_GCM_PRE(m, sk.key.data(), k.gcm);
        }
    }
}

Context::Stream* Context::stream(uint32_t ssrc, bool create) noexcept {
    const uint32_t mask = static_cast<uint32_t>(streams_.size() - 1);
    for (uint32_t i = home_slot(ssrc) & mask;; i = (i + 1) & mask) {
        Stream& s = streams_[i];
        if (s.used && s.ssrc == ssrc) {
            return &s;
        }
        if (!s.used) {
            if (!create || used_ * 2 >= streams_.size()) {
                return nullptr;
            }
            s = Stream{};
            s.used = true;
            s.ssrc = ssrc;
            ++used_;
            return &s;
        }
    }
}

void Context::prefetch_protect(uint32_t ssrc) const noexcept {
    if (streams_.empty()) {
        return;
    }
    const uint32_t mask = static_cast<uint32_t>(streams_.size() - 1);
    __builtin_prefetch(&streams_[home_slot(ssrc) & mask], 1);  // where stream() starts probing
    if (rtp_.gcm != nullptr) {
        const auto* k = reinterpret_cast<const char*>(rtp_.gcm);
        for (std::size_t i = 0; i < sizeof(gcm_key_data); i += 64) {
            __builtin_prefetch(k + i);
        }
    }
}

void Context::reserve(uint32_t max_streams) {
    std::size_t cap = streams_.size();
    while (cap < std::size_t{max_streams} * 2) {
        cap <<= 1;
    }
    if (cap == streams_.size()) {
        return;
    }
    std::vector<Stream> old(cap);
    old.swap(streams_);
    used_ = 0;
    for (const Stream& s : old) {
        if (s.used) {
            *stream(s.ssrc, true) = s;
        }
    }
}

const Context::Stream* Context::find(uint32_t ssrc) const noexcept {
    return const_cast<Context*>(this)->stream(ssrc, false);
}

bool Context::roc(uint32_t ssrc, uint32_t& out) const noexcept {
    const Stream* s = find(ssrc);
    if (s == nullptr) {
        return false;
    }
    out = s->roc;
    return true;
}

bool Context::set_roc(uint32_t ssrc, uint32_t roc, uint16_t seq) noexcept {
    Stream* s = stream(ssrc, true);
    if (s == nullptr) {
        return false;
    }
    s->roc = roc;
    s->s_l = seq;
    s->rtp_started = true;
    s->window[0] = s->window[1] = 0;
    return true;
}

bool Context::cipher(Keys& k, const uint8_t iv[16], ByteSpan aad, ByteSpan aad2, std::byte* data,
                     std::size_t n, std::byte* tag, bool encrypt, const std::byte* in) noexcept {
    if (k.gcm != nullptr) {
        IMB_MGR* m = imb();
        // One call: IV, AAD (joined when in two pieces), data in place, tag.
        std::array<uint8_t, 2048> joined;
        const uint8_t* a = reinterpret_cast<const uint8_t*>(aad.data());
        std::size_t a_len = aad.size();
        if (!aad2.empty()) {
            if (aad.size() + aad2.size() > joined.size()) {
                return false;
            }
            std::memcpy(joined.data(), aad.data(), aad.size());
            std::memcpy(joined.data() + aad.size(), aad2.data(), aad2.size());
            a = joined.data();
            a_len += aad2.size();
        }
        uint8_t scratch = 0;
        auto* d = data != nullptr ? reinterpret_cast<uint8_t*>(data) : &scratch;
        const auto* src = in != nullptr ? reinterpret_cast<const uint8_t*>(in) : d;
        gcm_context_data ctx;
        uint8_t computed[16];
        const bool aes256 = suite_ == Suite::AeadAes256Gcm;
        if (encrypt) {
            auto* t = reinterpret_cast<uint8_t*>(tag);
            if (aes256) {
                IMB_AES256_GCM_ENC(m, k.gcm, &ctx, d, src, n, iv, a, a_len, t, 16);
            } else {
                IMB_AES128_GCM_ENC(m, k.gcm, &ctx, d, src, n, iv, a, a_len, t, 16);
            }
            return true;
        }
        if (aes256) {
            IMB_AES256_GCM_DEC(m, k.gcm, &ctx, d, d, n, iv, a, a_len, computed, 16);
        } else {
            IMB_AES128_GCM_DEC(m, k.gcm, &ctx, d, d, n, iv, a, a_len, computed, 16);
        }
        return crypto::equal_ct(as_bytes(computed, 16), ByteSpan{tag, 16});
    }
    EVP_CIPHER_CTX* c = k.cipher;
    int len = 0;
    auto* d = reinterpret_cast<unsigned char*>(data);
    const auto* src = in != nullptr ? reinterpret_cast<const unsigned char*>(in) : d;
    if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, iv, -1) != 1) {
        return false;
    }
    if (!info(suite_).aead) {
        return n == 0 || EVP_CipherUpdate(c, d, &len, src, static_cast<int>(n)) == 1;
    }
    for (ByteSpan a : {aad, aad2}) {
        if (!a.empty() &&
            EVP_CipherUpdate(c, nullptr, &len, reinterpret_cast<const unsigned char*>(a.data()),
                             static_cast<int>(a.size())) != 1) {
            return false;
        }
    }
    if (n != 0 && EVP_CipherUpdate(c, d, &len, src, static_cast<int>(n)) != 1) {
        return false;
    }
    if (!encrypt && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) {
        return false;
    }
    unsigned char fin[16];
    if (EVP_CipherFinal_ex(c, fin, &len) != 1) {
        return false;  // decryption: the tag did not verify
    }
    return !encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
}

// ---- SRTP -------------------------------------------------------------------------------------

Status Context::protect_rtp(std::byte* pkt, std::size_t len, std::size_t room,
                            std::size_t& out_len) noexcept {
    wire::RtpView v;
    wire::Error why{};
    if (!wire::parse_rtp(ByteSpan{pkt, len}, v, why)) {
        return Status::Malformed;
    }
    return protect_rtp_at(pkt, v.header_len, v.ssrc, v.seq, pkt + v.header_len, len - v.header_len,
                          room, out_len);
}

Status Context::protect_rtp_from(std::byte* pkt, std::size_t header_len, const std::byte* payload,
                                 std::size_t n, std::size_t room, std::size_t& out_len) noexcept {
    wire::RtpView v;
    wire::Error why{};
    if (!wire::parse_rtp(ByteSpan{pkt, header_len}, v, why) || v.header_len != header_len) {
        return Status::Malformed;
    }
    return protect_rtp_at(pkt, header_len, v.ssrc, v.seq, payload, n, room, out_len);
}

Status Context::begin_protect(std::size_t len, std::size_t room, uint32_t ssrc, uint16_t seq,
                              uint64_t& idx) noexcept {
    if (room < len + info(suite_).tag_len) {
        return Status::NoRoom;
    }
    Stream* s = stream(ssrc, true);
    if (s == nullptr) {
        return Status::TooManyStreams;
    }
    const bool estimated = estimate_index(s->rtp_started, s->roc, s->s_l, seq, idx);
    if (!estimated) {
        // A number from before the stream's first: ROC 0, and nothing learnt from it (a
        // receiver estimates the same way and refuses it as too old; the two stay in step).
        idx = seq;
        return Status::Ok;
    }
    const uint64_t highest = (uint64_t{s->roc} << 16) | s->s_l;
    if (!s->rtp_started || idx > highest) {
        s->roc = static_cast<uint32_t>(idx >> 16);
        s->s_l = static_cast<uint16_t>(idx);
        s->rtp_started = true;
    }
    return Status::Ok;
}

Status Context::protect_rtp_deferred(std::byte* pkt, std::size_t header_len, uint32_t ssrc,
                                     uint16_t seq, const std::byte* src, std::size_t n,
                                     std::size_t room, std::size_t& out_len, TagSink& sink,
                                     void* token) noexcept {
    if (!rtp_.mb) {
        const Status st = protect_rtp_at(pkt, header_len, ssrc, seq, src, n, room, out_len);
        if (st == Status::Ok) {
            sink.tag_done(token);
        }
        return st;
    }
    if (tags::pending() == TagRing::kSlots) {
        tags::flush();
    }
    const std::size_t len = header_len + n;
    uint64_t idx = 0;
    if (const Status st = begin_protect(len, room, ssrc, seq, idx); st != Status::Ok) {
        return st;
    }
    std::byte* payload = pkt + header_len;
    uint8_t iv[16];
    make_iv(false, rtp_.salt, ssrc, idx, iv);
    if (!cipher(rtp_, iv, {}, {}, payload, n, nullptr, true, src == payload ? nullptr : src)) {
        return Status::Malformed;
    }
    // The authenticated portion, then the ROC (RFC 3711 §4.2): the ROC sits where the tag will
    // go; the tag is written from the slot once computed.
    put_u32(reinterpret_cast<uint8_t*>(pkt + len), static_cast<uint32_t>(idx >> 16));
    IMB_MGR* m = imb();
    TagSlot& slot = tag_ring.slots[tag_ring.head % TagRing::kSlots];
    ++tag_ring.head;
    slot.dst = pkt + len;
    slot.len = len + 4;
    slot.auth = &rtp_.auth;
    slot.sink = &sink;
    slot.token = token;
    IMB_JOB* job = IMB_GET_NEXT_JOB(m);
    job->cipher_mode = IMB_CIPHER_NULL;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->src = reinterpret_cast<const uint8_t*>(pkt);
    job->dst = nullptr;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = 0;
    job->hash_alg = IMB_AUTH_HMAC_SHA_1;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = len + 4;
    job->u.HMAC._hashed_auth_key_xor_ipad = rtp_.ipad_state.data();
    job->u.HMAC._hashed_auth_key_xor_opad = rtp_.opad_state.data();
    job->auth_tag_output = slot.tag;
    job->auth_tag_output_len_in_bytes = 12;
    job->user_data = &slot;
    out_len = len + info(suite_).tag_len;
    complete(IMB_SUBMIT_JOB(m));
    return Status::Ok;
}

Status Context::protect_rtp_at(std::byte* pkt, std::size_t header_len, uint32_t ssrc, uint16_t seq,
                               const std::byte* src, std::size_t n, std::size_t room,
                               std::size_t& out_len) noexcept {
    const SuiteInfo& si = info(suite_);
    const std::size_t len = header_len + n;
    uint64_t idx = 0;
    if (const Status st = begin_protect(len, room, ssrc, seq, idx); st != Status::Ok) {
        return st;
    }
    const auto roc = static_cast<uint32_t>(idx >> 16);
    std::byte* payload = pkt + header_len;
    const std::byte* in = src == payload ? nullptr : src;
    uint8_t iv[16];
    make_iv(si.aead, rtp_.salt, ssrc, idx, iv);
    if (si.aead) {
        if (!cipher(rtp_, iv, ByteSpan{pkt, header_len}, {}, payload, n, pkt + len, true, in)) {
            return Status::Malformed;
        }
    } else {
        if (!cipher(rtp_, iv, {}, {}, payload, n, nullptr, true, in)) {
            return Status::Malformed;
        }
        uint8_t r[4];
        put_u32(r, roc);
        const auto mac = rtp_.auth.compute({ByteSpan{pkt, len}, as_bytes(r, 4)});
        std::memcpy(pkt + len, mac.data(), si.tag_len);
    }
    out_len = len + si.tag_len;
    return Status::Ok;
}

Status Context::unprotect_rtp(std::byte* pkt, std::size_t len, std::size_t& out_len) noexcept {
    const SuiteInfo& si = info(suite_);
    wire::RtpView v;
    wire::Error why{};
    if (len < wire::kRtpHeaderLen + si.tag_len ||
        !wire::parse_rtp(ByteSpan{pkt, len - si.tag_len}, v, why)) {
        return Status::Malformed;
    }
    Stream* s = stream(v.ssrc, true);
    if (s == nullptr) {
        return Status::TooManyStreams;
    }
    uint64_t idx = 0;
    if (!estimate_index(s->rtp_started, s->roc, s->s_l, v.seq, idx)) {
        return Status::ReplayOld;
    }
    uint64_t highest = (uint64_t{s->roc} << 16) | s->s_l;
    if (const Status r = replay_check(s->window, highest, s->rtp_started, idx); r != Status::Ok) {
        return r;
    }
    const auto roc = static_cast<uint32_t>(idx >> 16);
    const std::size_t body = len - si.tag_len;
    std::byte* payload = pkt + v.header_len;
    const std::size_t n = body - v.header_len;
    uint8_t iv[16];
    make_iv(si.aead, rtp_.salt, v.ssrc, idx, iv);
    if (si.aead) {
        if (!cipher(rtp_, iv, ByteSpan{pkt, v.header_len}, {}, payload, n, pkt + body, false)) {
            return Status::AuthFailed;
        }
    } else {
        uint8_t r[4];
        put_u32(r, roc);
        const auto mac = rtp_.auth.compute({ByteSpan{pkt, body}, as_bytes(r, 4)});
        if (!crypto::equal_ct(as_bytes(mac.data(), si.tag_len), ByteSpan{pkt + body, si.tag_len})) {
            return Status::AuthFailed;
        }
        if (!cipher(rtp_, iv, {}, {}, payload, n, nullptr, false)) {
            return Status::Malformed;
        }
    }
    replay_add(s->window, highest, s->rtp_started, idx);
    s->roc = static_cast<uint32_t>(highest >> 16);
    s->s_l = static_cast<uint16_t>(highest);
    out_len = body;
    return Status::Ok;
}

// ---- SRTCP ------------------------------------------------------------------------------------

Status Context::protect_rtcp(std::byte* pkt, std::size_t len, std::size_t room,
                             std::size_t& out_len) noexcept {
    uint32_t ssrc = 0;
    wire::Error why{};
    if (!wire::parse_rtcp_ssrc(ByteSpan{pkt, len}, ssrc, why)) {
        return Status::Malformed;
    }
    const SuiteInfo& si = info(suite_);
    if (room < len + 4 + si.tag_len) {
        return Status::NoRoom;
    }
    Stream* s = stream(ssrc, true);
    if (s == nullptr) {
        return Status::TooManyStreams;
    }
    // The first packet carries index 1, as libsrtp (and so every browser) sends it; receivers
    // accept any starting index.
    const uint32_t index = (s->rtcp_index + 1) & 0x7fffffffU;
    s->rtcp_index = index;
    uint8_t e_index[4];
    put_u32(e_index, 0x80000000U | index);
    std::byte* enc = pkt + wire::kRtcpHeaderLen;
    const std::size_t n = len - wire::kRtcpHeaderLen;
    uint8_t iv[16];
    make_iv(si.aead, rtcp_.salt, ssrc, index, iv);
    if (si.aead) {
        // RFC 7714 §9: header || ciphertext || tag || E+index; the AAD is header || E+index.
        if (!cipher(rtcp_, iv, ByteSpan{pkt, wire::kRtcpHeaderLen}, as_bytes(e_index, 4), enc, n,
                    pkt + len, true)) {
            return Status::Malformed;
        }
        std::memcpy(pkt + len + si.tag_len, e_index, 4);
    } else {
        // RFC 3711 §3.4: header || ciphertext || E+index || tag over all before it.
        if (!cipher(rtcp_, iv, {}, {}, enc, n, nullptr, true)) {
            return Status::Malformed;
        }
        std::memcpy(pkt + len, e_index, 4);
        const auto mac = rtcp_.auth.compute({ByteSpan{pkt, len + 4}});
        std::memcpy(pkt + len + 4, mac.data(), si.tag_len);
    }
    out_len = len + 4 + si.tag_len;
    return Status::Ok;
}

Status Context::unprotect_rtcp(std::byte* pkt, std::size_t len, std::size_t& out_len) noexcept {
    const SuiteInfo& si = info(suite_);
    if (len < wire::kRtcpHeaderLen + 4 + si.tag_len) {
        return Status::Malformed;
    }
    const std::size_t body = len - 4 - si.tag_len;  // header and (encrypted) packets
    if ((std::to_integer<uint8_t>(pkt[0]) >> 6) != 2) {
        return Status::Malformed;
    }
    const uint32_t ssrc = load_u32be(pkt + 4);
    const std::byte* trailer = si.aead ? pkt + body + si.tag_len : pkt + body;
    const uint32_t e_index = load_u32be(trailer);
    const bool encrypted = (e_index & 0x80000000U) != 0;
    const uint32_t index = e_index & 0x7fffffffU;
    Stream* s = stream(ssrc, true);
    if (s == nullptr) {
        return Status::TooManyStreams;
    }
    uint64_t highest = s->rtcp_index;
    if (const Status r = replay_check(s->rtcp_window, highest, s->rtcp_started, index);
        r != Status::Ok) {
        return r;
    }
    std::byte* enc = pkt + wire::kRtcpHeaderLen;
    const std::size_t n = body - wire::kRtcpHeaderLen;
    uint8_t iv[16];
    make_iv(si.aead, rtcp_.salt, ssrc, index, iv);
    if (si.aead) {
        std::byte* tag = pkt + body;
        // E = 1: AAD is header || E+index. E = 0 (unencrypted SRTCP): the whole packet is AAD.
        const bool ok = encrypted ? cipher(rtcp_, iv, ByteSpan{pkt, wire::kRtcpHeaderLen},
                                           ByteSpan{trailer, 4}, enc, n, tag, false)
                                  : cipher(rtcp_, iv, ByteSpan{pkt, body}, ByteSpan{trailer, 4},
                                           nullptr, 0, tag, false);
        if (!ok) {
            return Status::AuthFailed;
        }
    } else {
        const auto mac = rtcp_.auth.compute({ByteSpan{pkt, body + 4}});
        if (!crypto::equal_ct(as_bytes(mac.data(), si.tag_len),
                              ByteSpan{pkt + body + 4, si.tag_len})) {
            return Status::AuthFailed;
        }
        if (encrypted) {
            if (!cipher(rtcp_, iv, {}, {}, enc, n, nullptr, false)) {
                return Status::Malformed;
            }
        }
    }
    replay_add(s->rtcp_window, highest, s->rtcp_started, index);
    s->rtcp_index = static_cast<uint32_t>(highest);
    out_len = body;
    return Status::Ok;
}

}  // namespace tern::srtp
