// libFuzzer target: SRTP and SRTCP unprotect of arbitrary bytes (every suite, a fixed key), the
// RTP header parser, and a protect/unprotect round trip of whatever parses as RTP.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static srtp::MasterKey keys[3] = {{srtp::Suite::AesCm128HmacSha1_80, {}, {}},
                                      {srtp::Suite::AeadAes128Gcm, {}, {}},
                                      {srtp::Suite::AeadAes256Gcm, {}, {}}};
    static srtp::Context* rx[3] = {new srtp::Context{keys[0], srtp::Direction::Unprotect},
                                   new srtp::Context{keys[1], srtp::Direction::Unprotect},
                                   new srtp::Context{keys[2], srtp::Direction::Unprotect}};
    static srtp::Context* tx = new srtp::Context{keys[2], srtp::Direction::Protect};
    static srtp::Context* rx_rt = new srtp::Context{keys[2], srtp::Direction::Unprotect};
    if (size < 2) {
        return 0;  // a suite byte and at least one packet byte
    }
    const std::size_t which = data[0] % 3;
    std::vector<std::byte> buf(reinterpret_cast<const std::byte*>(data + 1),
                               reinterpret_cast<const std::byte*>(data + size));
    std::size_t n = 0;
    (void)rx[which]->unprotect_rtp(buf.data(), buf.size(), n);
    std::memcpy(buf.data(), data + 1, size - 1);
    (void)rx[which]->unprotect_rtcp(buf.data(), buf.size(), n);

    wire::RtpView v;
    wire::Error why{};
    std::memcpy(buf.data(), data + 1, size - 1);
    if (wire::parse_rtp(buf, v, why)) {
        if (v.header_len > buf.size()) {
            __builtin_trap();
        }
        buf.resize(buf.size() + 64);
        if (tx->protect_rtp(buf.data(), size - 1, buf.size(), n) == srtp::Status::Ok) {
            std::size_t m = 0;
            const srtp::Status s = rx_rt->unprotect_rtp(buf.data(), n, m);
            // A fresh index decrypts to the original; an old one may be refused as a replay.
            if (s == srtp::Status::Ok &&
                (m != size - 1 || std::memcmp(buf.data(), data + 1, m) != 0)) {
                __builtin_trap();
            }
            if (s == srtp::Status::AuthFailed || s == srtp::Status::Malformed) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
