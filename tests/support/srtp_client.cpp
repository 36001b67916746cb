// A small WebRTC-ish media client on a kernel UDP socket, for integration tests of the SFU:
// it passes the ICE-lite check (STUN with short-term credentials), then publishes or receives
// SRTP protected and verified by libsrtp2, the reference implementation (not tern's own code).
//
//   srtp_client --bind IP:PORT --sfu IP:PORT --ufrag U --pwd P --suite aes256gcm
//               --tx HEX --rx HEX (master key || salt) [--ice-timeout-ms N] MODE ...
//   MODE publish   --ssrc N --count N --interval-ms N [--expect-pli N --timeout-ms N]
//                  sends a VP8 keyframe, then inter frames; then waits until it has received
//                  N PLIs (at most --timeout-ms) and reports how many came
//   MODE subscribe --ssrc N --count N --lose SEQ --timeout-ms N
//                  receives until it has N packets and, with --lose, the retransmission of SEQ
//                  (dropped unread when first seen, then NACKed); sends one PLI; checks SSRC and
//                  sequence continuity
//
// Every wait is for a condition, bounded by a deadline: ICE checks are repeated every 200 ms
// until one is answered (--ice-timeout-ms, default 20000). SIGTERM or SIGINT ends any wait the
// way its deadline would, so a test can end a client on its own deadline and still read what the
// client saw. Prints one summary line "client: key=value ..." (with ended=done|timeout|signal and
// the milliseconds waited) and exits 0 when it did what it was asked.
#include "common/crypto/hmac.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <srtp2/srtp.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <poll.h>
#include <set>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace tern;

// NSS (under Debian's libsrtp2) keeps allocations until process exit; LeakSanitizer should judge
// this program's own memory, not that.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libnss\nleak:libnssutil\nleak:libsoftokn\n";
}

namespace {

/// The client's sessions and socket, released on every way out of main.
struct Resources {
    srtp_t tx = nullptr;
    srtp_t rx = nullptr;
    int fd = -1;
    ~Resources() {
        if (tx != nullptr) {
            srtp_dealloc(tx);
        }
        if (rx != nullptr) {
            srtp_dealloc(rx);
        }
        if (fd >= 0) {
            close(fd);
        }
        srtp_shutdown();
    }
};

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;  // set by SIGTERM/SIGINT: end the current wait now
extern "C" void on_stop(int /*sig*/) {
    g_stop = 1;
}

/// Without SA_RESTART, so a signal also cuts short the poll() in progress.
void catch_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (const int sig : {SIGTERM, SIGINT}) {
        sigaction(sig, &sa, nullptr);
    }
}

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "srtp_client: %s\n", m.c_str());
    std::exit(1);
}

sockaddr_in addr_of(const std::string& s) {
    const auto c = s.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (c == std::string::npos || inet_pton(AF_INET, s.substr(0, c).c_str(), &a.sin_addr) != 1) {
        die("bad address " + s);
    }
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(s.substr(c + 1))));
    return a;
}

std::vector<uint8_t> unhex(const std::string& h) {
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
    }
    return out;
}

srtp_t session(const std::string& suite, std::vector<uint8_t>& key, bool outbound) {
    srtp_policy_t p{};
    if (suite == "aes128cm") {
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
    } else if (suite == "aes128gcm") {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
    }
    p.key = key.data();
    p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    p.window_size = 1024;
    srtp_t s = nullptr;
    if (srtp_create(&s, &p) != srtp_err_status_ok) {
        die("srtp_create failed");
    }
    return s;
}

long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> o{{"--suite", "aes256gcm"}, {"--count", "50"},
                                         {"--interval-ms", "10"},  {"--timeout-ms", "8000"},
                                         {"--lose", "-1"},         {"--ice-timeout-ms", "20000"},
                                         {"--expect-pli", "0"}};
    std::string mode;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && i + 1 < argc) {
            o[a] = argv[++i];
        } else {
            mode = a;
        }
    }
    for (const char* k : {"--bind", "--sfu", "--ufrag", "--pwd", "--tx", "--rx", "--ssrc"}) {
        if (o.count(k) == 0) {
            die(std::string("missing ") + k);
        }
    }
    catch_stop_signals();
    srtp_init();
    std::vector<uint8_t> txk = unhex(o["--tx"]);
    std::vector<uint8_t> rxk = unhex(o["--rx"]);
    Resources res;
    res.tx = session(o["--suite"], txk, true);
    res.rx = session(o["--suite"], rxk, false);
    res.fd = socket(AF_INET, SOCK_DGRAM, 0);
    srtp_t tx = res.tx;
    srtp_t rx = res.rx;
    const int fd = res.fd;
    sockaddr_in me = addr_of(o["--bind"]);
    sockaddr_in sfu = addr_of(o["--sfu"]);
    if (bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0) {
        die("bind: " + std::string(std::strerror(errno)));
    }
    auto send_to_sfu = [&](const void* p, std::size_t n) {
        sendto(fd, p, n, 0, reinterpret_cast<sockaddr*>(&sfu), sizeof sfu);
    };
    auto recv_some = [&](uint8_t* buf, int timeout_ms) -> int {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0) {
            return -1;
        }
        return static_cast<int>(recv(fd, buf, 1500, 0));
    };

    // ICE: a Binding request with USE-CANDIDATE every 200 ms until the SFU answers (it retries
    // like a browser), or the deadline.
    const std::string pwd = o["--pwd"];
    const crypto::HmacSha1Key key{as_bytes(pwd.data(), pwd.size())};
    bool connected = false;
    const auto ice_start = Clock::now();
    const long ice_timeout_ms = std::stol(o["--ice-timeout-ms"]);
    int attempt = 0;
    for (; !connected && g_stop == 0 && (attempt == 0 || ms_since(ice_start) < ice_timeout_ms);
         ++attempt) {
        std::array<std::byte, 256> b{};
        wire::stun::TransactionId id{};
        id[0] = static_cast<uint8_t>(attempt + 1);
        wire::stun::Builder m{
            b, wire::stun::message_type(wire::stun::method::kBinding, wire::stun::Class::Request),
            id};
        m.add_string(wire::stun::attr::kUsername, o["--ufrag"] + ":client")
            .add_u32(wire::stun::attr::kPriority, 1);
        m.add_string(wire::stun::attr::kUseCandidate, "")
            .add_message_integrity(key)
            .add_fingerprint();
        send_to_sfu(b.data(), *m.finish());
        uint8_t in[1500];
        const int n = recv_some(in, 200);
        if (n > 0) {
            auto r = wire::stun::Message::parse(as_bytes(in, static_cast<std::size_t>(n)));
            connected = r && r->cls() == wire::stun::Class::Success && r->check_integrity(key);
        }
    }
    if (!connected) {
        die("no ICE answer from the SFU: " + std::to_string(attempt) + " checks in " +
            std::to_string(ms_since(ice_start)) + " ms" +
            (g_stop != 0 ? " (stopped by a signal)" : ""));
    }
    const uint32_t ssrc = static_cast<uint32_t>(std::stoul(o["--ssrc"], nullptr, 0));
    const int count = std::stoi(o["--count"]);

    if (mode == "publish") {
        int plis = 0;
        auto drain = [&](int wait_ms) {
            uint8_t in[1500];
            int n = 0;
            while ((n = recv_some(in, wait_ms)) > 0) {
                int len = n;
                if (srtp_unprotect_rtcp(rx, in, &len) != srtp_err_status_ok) {
                    continue;
                }
                wire::Error why{};
                wire::rtcp::for_each(
                    as_bytes(in, static_cast<std::size_t>(len)),
                    [&](const wire::rtcp::Packet& p) {
                        wire::rtcp::for_each_keyframe_request(
                            p, [&](uint32_t m) { plis += m == ssrc ? 1 : 0; });
                    },
                    why);
                wait_ms = 0;
            }
        };
        for (int i = 0; i < count; ++i) {
            // With the publisher's mid (RFC 8285 one-byte element, id 4): the SFU must not pass it
            // on.
            uint8_t pkt[1500] = {0x90, 96};
            const auto seq = static_cast<uint16_t>(1000 + i);
            pkt[2] = static_cast<uint8_t>(seq >> 8);
            pkt[3] = static_cast<uint8_t>(seq);
            const uint32_t ts = 90000 + static_cast<uint32_t>(i) * 3000;
            for (int k = 0; k < 4; ++k) {
                pkt[4 + k] = static_cast<uint8_t>(ts >> (24 - 8 * k));
                pkt[8 + k] = static_cast<uint8_t>(ssrc >> (24 - 8 * k));
            }
            // VP8 descriptor (S=1, PID 0) and payload header: keyframe first, then inter frames.
            const uint8_t vp8[] = {0x10, static_cast<uint8_t>(i == 0 ? 0x10 : 0x11), 0x9d, 0x01,
                                   0x2a};
            const uint8_t ext[] = {0xbe, 0xde, 0x00, 0x01, 0x40, '0', 0x00, 0x00};
            std::memcpy(pkt + 12, ext, sizeof ext);
            const std::size_t hl = 12 + sizeof ext;
            std::memcpy(pkt + hl, vp8, sizeof vp8);
            for (int k = 0; k < 200; ++k) {
                pkt[hl + sizeof vp8 + k] = static_cast<uint8_t>(seq + k);
            }
            int len = static_cast<int>(hl + sizeof vp8) + 200;
            if (srtp_protect(tx, pkt, &len) != srtp_err_status_ok) {
                die("srtp_protect failed");
            }
            send_to_sfu(pkt, static_cast<std::size_t>(len));
            drain(std::stoi(o["--interval-ms"]));
        }
        // Then the PLIs it is told to expect: they may still be on their way.
        const int expect_pli = std::stoi(o["--expect-pli"]);
        const long timeout_ms = std::stol(o["--timeout-ms"]);
        const auto sent_all = Clock::now();
        while (plis < expect_pli && g_stop == 0 && ms_since(sent_all) < timeout_ms) {
            drain(100);
        }
        const char* ended = plis >= expect_pli ? "done" : g_stop != 0 ? "signal" : "timeout";
        std::printf("client: mode=publish sent=%d pli=%d expect_pli=%d ended=%s waited_ms=%ld\n",
                    count, plis, expect_pli, ended, ms_since(sent_all));
        return plis >= expect_pli ? 0 : 1;
    }

    if (mode == "subscribe") {
        const int lose = std::stoi(o["--lose"]);
        std::set<uint16_t> got;
        int received = 0, bad_ssrc = 0, pt = -1, nack_sent = 0, recovered = 0, pli_sent = 0,
            abs_send_time = 0, foreign_ext = 0;
        uint16_t first = 0;
        bool have_first = false;
        const auto start = Clock::now();
        auto send_rtcp = [&](const std::function<void(ByteWriter&)>& write) {
            uint8_t out[256];
            ByteWriter w{as_writable_bytes(out, 128)};
            write(w);
            int len = static_cast<int>(w.size());
            if (srtp_protect_rtcp(tx, out, &len) == srtp_err_status_ok) {
                send_to_sfu(out, static_cast<std::size_t>(len));
            }
        };
        // Done: every packet asked for and, when one was "lost", its retransmission.
        auto done = [&] {
            return static_cast<int>(got.size()) >= count && (lose < 0 || recovered > 0);
        };
        const long timeout_ms = std::stol(o["--timeout-ms"]);
        while (!done() && g_stop == 0 && ms_since(start) < timeout_ms) {
            uint8_t in[1500];
            const int n = recv_some(in, 100);
            if (n < 12) {
                continue;
            }
            const auto seq = static_cast<uint16_t>(in[2] << 8 | in[3]);
            if (lose >= 0 && seq == static_cast<uint16_t>(lose) && nack_sent == 0) {
                continue;  // "lost": never decrypted, so the retransmission is not a replay
            }
            int len = n;
            if (srtp_unprotect(rx, in, &len) != srtp_err_status_ok) {
                continue;
            }
            ++received;
            // Header extensions as the SFU writes them: its abs-send-time, nothing of the
            // publisher's.
            wire::RtpView v;
            wire::Error why{};
            ByteSpan e;
            if (wire::parse_rtp(as_bytes(in, static_cast<std::size_t>(len)), v, why)) {
                abs_send_time +=
                    wire::find_rtp_extension(v, wire::ext::kOutAbsSendTime, e) && e.size() == 3 ? 1
                                                                                                : 0;
                foreign_ext += wire::find_rtp_extension(v, 4, e) ? 1 : 0;
            }
            const uint32_t s =
                static_cast<uint32_t>(in[8]) << 24 | in[9] << 16 | in[10] << 8 | in[11];
            bad_ssrc += s != ssrc ? 1 : 0;
            pt = in[1] & 0x7f;
            if (!have_first) {
                first = seq;
                have_first = true;
                send_rtcp([&](ByteWriter& w) { wire::rtcp::write_pli(w, 0xc0ffee, ssrc); });
                ++pli_sent;
            }
            if (lose >= 0 && seq == static_cast<uint16_t>(lose) && nack_sent > 0) {
                ++recovered;
            }
            got.insert(seq);
            if (lose >= 0 && nack_sent == 0 &&
                static_cast<int16_t>(seq - static_cast<uint16_t>(lose)) >= 3) {
                const uint16_t l = static_cast<uint16_t>(lose);
                send_rtcp([&](ByteWriter& w) { wire::rtcp::write_nack(w, 0xc0ffee, ssrc, &l, 1); });
                ++nack_sent;
            }
        }
        // Continuity: every number from the first to the last arrived (the SFU renumbers without
        // gaps).
        const bool continuous =
            !got.empty() && static_cast<std::size_t>(static_cast<uint16_t>(*got.rbegin() - first) +
                                                     1) == got.size();
        const char* ended = done() ? "done" : g_stop != 0 ? "signal" : "timeout";
        std::printf(
            "client: mode=subscribe received=%d unique=%zu first=%u bad_ssrc=%d pt=%d pli_sent=%d "
            "nack_sent=%d recovered=%d continuous=%d abs_send_time=%d foreign_ext=%d ended=%s "
            "waited_ms=%ld\n",
            received, got.size(), first, bad_ssrc, pt, pli_sent, nack_sent, recovered,
            continuous ? 1 : 0, abs_send_time, foreign_ext, ended, ms_since(start));
        return done() && bad_ssrc == 0 ? 0 : 1;
    }
    die("mode must be publish or subscribe");
}
