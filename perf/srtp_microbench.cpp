// Microbenchmark: the cost of SRTP on one core, no I/O, for the work an SFU does per packet
// (one unprotect of what a publisher sent, one protect per copy sent to a subscriber), per suite
// and payload size, three ways in the same run:
//   tern     common/srtp (OpenSSL EVP, contexts keyed once, in place)
//   evp      the crypto alone: the same AEAD seal/open (or AES-CTR + HMAC-SHA1) through EVP
//            with pre-initialised contexts and nothing else: the limit tern can approach
//   libsrtp  Debian's libsrtp2 (built against NSS) on the same packets
//
//   build/perf/srtp_microbench [PACKETS]
//   build/perf/srtp_microbench --mix SUITE VIDEO_BYTES AUDIO_BYTES FANOUT
//       the SFU's crypto limit for a mix of 2 video packets per audio packet, each received once
//       and sent FANOUT times: forwarded packets/s if the lcore did nothing but EVP crypto, and
//       if it did libsrtp2's; one line "crypto: evp_fwd_pps=... libsrtp_fwd_pps=..."

#include "common/crypto/hmac.hpp"
#include "common/srtp/srtp.hpp"

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace tern;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::byte> rtp(uint16_t seq, std::size_t payload) {
    std::vector<std::byte> p(12 + payload + 64, std::byte{0x5a});
    const uint8_t h[12] = {0x80,
                           0x60,
                           static_cast<uint8_t>(seq >> 8),
                           static_cast<uint8_t>(seq),
                           0,
                           0,
                           0,
                           1,
                           0x12,
                           0x34,
                           0x56,
                           0x78};
    for (std::size_t i = 0; i < 12; ++i) {
        p[i] = std::byte{h[i]};
    }
    return p;
}

/// Packets per second for `fn(i)` run `n` times.
template <class F>
double rate(long n, F&& fn) {
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        fn(i);
    }
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

void set_policy(srtp_policy_t& p, srtp::Suite s) {
    switch (s) {
    case srtp::Suite::AesCm128HmacSha1_80:
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
        break;
    case srtp::Suite::AeadAes128Gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
        break;
    case srtp::Suite::AeadAes256Gcm:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
        break;
    }
}

}  // namespace

/// Seconds per seal and per open of `payload` bytes, EVP alone and libsrtp2, for `suite`.
struct OpCost {
    double evp_seal, evp_open, lib_protect, lib_unprotect;
};

OpCost op_cost(srtp::Suite suite, std::size_t payload, long n);

int mix(int argc, char** argv) {
    if (argc < 6) {
        std::fputs("usage: srtp_microbench --mix SUITE VIDEO_BYTES AUDIO_BYTES FANOUT\n", stderr);
        return 2;
    }
    const std::string name = argv[2];
    const srtp::Suite suite = name == "aes128cm"    ? srtp::Suite::AesCm128HmacSha1_80
                              : name == "aes128gcm" ? srtp::Suite::AeadAes128Gcm
                                                    : srtp::Suite::AeadAes256Gcm;
    const auto video = static_cast<std::size_t>(std::atol(argv[3]));
    const auto audio = static_cast<std::size_t>(std::atol(argv[4]));
    const double fanout = std::atof(argv[5]);
    srtp_init();
    const OpCost v = op_cost(suite, video, 100000);
    const OpCost a = op_cost(suite, audio, 100000);
    // Per forwarded packet: one seal, and 1/fanout of the open of what was received.
    const double evp =
        2.0 / 3 * (v.evp_seal + v.evp_open / fanout) + 1.0 / 3 * (a.evp_seal + a.evp_open / fanout);
    const double lib = 2.0 / 3 * (v.lib_protect + v.lib_unprotect / fanout) +
                       1.0 / 3 * (a.lib_protect + a.lib_unprotect / fanout);
    std::printf("crypto: evp_fwd_pps=%.0f libsrtp_fwd_pps=%.0f\n", 1 / evp, 1 / lib);
    return 0;
}

OpCost op_cost(srtp::Suite suite, std::size_t payload, long n) {
    const srtp::SuiteInfo& si = srtp::info(suite);
    srtp::MasterKey mk;
    mk.suite = suite;
    for (std::size_t i = 0; i < mk.key.size(); ++i) {
        mk.key[i] = static_cast<uint8_t>(i * 7);
    }
    for (std::size_t i = 0; i < mk.salt.size(); ++i) {
        mk.salt[i] = static_cast<uint8_t>(i * 13);
    }
    const std::size_t hdr = 12;  // the RTP header of rtp(), as tern's and libsrtp2's runs use
    std::vector<std::byte> work(hdr + payload + 64, std::byte{0x5a});
    OpCost c{};
    // EVP alone, contexts initialised once.
    EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
    const EVP_CIPHER* cipher = suite == srtp::Suite::AeadAes256Gcm   ? EVP_aes_256_gcm()
                               : suite == srtp::Suite::AeadAes128Gcm ? EVP_aes_128_gcm()
                                                                     : EVP_aes_128_ctr();
    EVP_EncryptInit_ex(enc, cipher, nullptr, mk.key.data(), nullptr);
    EVP_DecryptInit_ex(dec, cipher, nullptr, mk.key.data(), nullptr);
    crypto::HmacSha1Key hmac{as_bytes(mk.key.data(), 20)};
    uint8_t iv[16] = {};
    unsigned char tag[16] = {};
    auto* d = reinterpret_cast<unsigned char*>(work.data());
    const double seal =
        1 / rate(n, [&](long i) {
            int l = 0;
            iv[11] = static_cast<uint8_t>(i);
            if (si.aead) {
                EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, iv);
                EVP_EncryptUpdate(enc, nullptr, &l, d, static_cast<int>(hdr));
                EVP_EncryptUpdate(enc, d + hdr, &l, d + hdr, static_cast<int>(payload));
                EVP_EncryptFinal_ex(enc, tag, &l);
                EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, tag);
            } else {
                EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, iv);
                EVP_EncryptUpdate(enc, d + hdr, &l, d + hdr, static_cast<int>(payload));
                (void)hmac.compute({ByteSpan{work.data(), hdr + payload}});
            }
        });
    // A real tag to open against.
    int l = 0;
    if (si.aead) {
        EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, iv);
        EVP_EncryptUpdate(enc, nullptr, &l, d, static_cast<int>(hdr));
        EVP_EncryptUpdate(enc, d + hdr, &l, d + hdr, static_cast<int>(payload));
        EVP_EncryptFinal_ex(enc, tag, &l);
        EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, tag);
    }
    const double open =
        1 / rate(n, [&](long) {
            int k = 0;
            if (si.aead) {
                EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, iv);
                EVP_DecryptUpdate(dec, nullptr, &k, d, static_cast<int>(hdr));
                EVP_DecryptUpdate(dec, d + hdr, &k, d + hdr, static_cast<int>(payload));
                EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, 16, tag);
                EVP_DecryptFinal_ex(dec, tag, &k);
            } else {
                (void)hmac.compute({ByteSpan{work.data(), hdr + payload}});
                EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, iv);
                EVP_DecryptUpdate(dec, d + hdr, &k, d + hdr, static_cast<int>(payload));
            }
        });
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    c.evp_seal = seal;
    c.evp_open = open;
    // libsrtp2 on the same packets.
    std::vector<uint8_t> key(mk.key.begin(),
                             mk.key.begin() + static_cast<std::ptrdiff_t>(si.key_len));
    key.insert(key.end(), mk.salt.begin(),
               mk.salt.begin() + static_cast<std::ptrdiff_t>(si.salt_len));
    srtp_policy_t pin{}, pout{};
    set_policy(pin, suite);
    set_policy(pout, suite);
    pin.key = pout.key = key.data();
    pin.ssrc.type = ssrc_any_inbound;
    pout.ssrc.type = ssrc_any_outbound;
    pin.window_size = pout.window_size = 1024;
    srtp_t sin = nullptr, sout = nullptr;
    srtp_create(&sin, &pin);
    srtp_create(&sout, &pout);
    std::vector<std::vector<std::byte>> sealed;
    for (long i = 0; i < n; ++i) {
        auto p = rtp(static_cast<uint16_t>(i), payload);
        int len = static_cast<int>(12 + payload);
        srtp_protect(sout, p.data(), &len);
        p.resize(static_cast<std::size_t>(len));
        sealed.push_back(std::move(p));
    }
    srtp_dealloc(sout);
    srtp_create(&sout, &pout);
    c.lib_unprotect = 1 / rate(n, [&](long i) {
                          auto& p = sealed[static_cast<std::size_t>(i)];
                          int len = static_cast<int>(p.size());
                          srtp_unprotect(sin, p.data(), &len);
                      });
    const auto tmpl = rtp(0, payload);
    c.lib_protect = 1 / rate(n, [&](long i) {
                        std::memcpy(work.data(), tmpl.data(), 12 + payload);
                        store_u16be(work.data() + 2, static_cast<uint16_t>(i));
                        int len = static_cast<int>(12 + payload);
                        srtp_protect(sout, work.data(), &len);
                    });
    srtp_dealloc(sin);
    srtp_dealloc(sout);
    return c;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--mix") {
        return mix(argc, argv);
    }
    const long n = argc > 1 ? std::atol(argv[1]) : 200000;
    srtp_init();
    std::printf("%-26s %6s %12s %12s %12s %9s %9s\n", "suite", "bytes", "tern pps", "evp pps",
                "libsrtp pps", "tern/evp", "tern/lib");
    for (srtp::Suite suite : {srtp::Suite::AeadAes256Gcm, srtp::Suite::AeadAes128Gcm,
                              srtp::Suite::AesCm128HmacSha1_80}) {
        const srtp::SuiteInfo& si = srtp::info(suite);
        srtp::MasterKey mk;
        mk.suite = suite;
        for (std::size_t i = 0; i < mk.key.size(); ++i) {
            mk.key[i] = static_cast<uint8_t>(i * 7);
        }
        for (std::size_t i = 0; i < mk.salt.size(); ++i) {
            mk.salt[i] = static_cast<uint8_t>(i * 13);
        }
        for (std::size_t payload : {160, 1200}) {
            // Sealed input for the unprotect half, made once.
            std::vector<std::vector<std::byte>> sealed;
            {
                srtp::Context tx{mk, srtp::Direction::Protect};
                for (long i = 0; i < n; ++i) {
                    auto p = rtp(static_cast<uint16_t>(i), payload);
                    std::size_t len = 0;
                    tx.protect_rtp(p.data(), 12 + payload, p.size(), len);
                    p.resize(len);
                    sealed.push_back(std::move(p));
                }
            }
            std::vector<std::byte> work(12 + payload + 64);
            // tern: unprotect one packet, protect it again towards a subscriber.
            srtp::Context rx{mk, srtp::Direction::Unprotect};
            srtp::Context out{mk, srtp::Direction::Protect};
            const double tern_pps = rate(n, [&](long i) {
                std::memcpy(work.data(), sealed[static_cast<std::size_t>(i)].data(),
                            sealed[static_cast<std::size_t>(i)].size());
                std::size_t len = 0;
                rx.unprotect_rtp(work.data(), sealed[static_cast<std::size_t>(i)].size(), len);
                out.protect_rtp(work.data(), len, work.size(), len);
            });
            // The bare EVP crypto and libsrtp2 doing the same open + seal of these packets.
            const OpCost c = op_cost(suite, payload, n);
            const double evp_pps = 1 / (c.evp_seal + c.evp_open);
            const double lib_pps = 1 / (c.lib_protect + c.lib_unprotect);
            std::printf("%-26s %6zu %12.0f %12.0f %12.0f %9.2f %9.2f\n",
                        std::string(si.name).c_str(), payload, tern_pps, evp_pps, lib_pps,
                        tern_pps / evp_pps, tern_pps / lib_pps);
        }
    }
    return 0;
}
