#include "signaling/net/backend_client.hpp"
#include "signaling/net/loopback_clients_test_support.hpp"
#include "signaling/net/server_test_support.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdlib>
#include <fstream>

using namespace tern::sig;
using namespace tern::sig::net;
using namespace tern::sig::net::test;

namespace {

namespace ssl = boost::asio::ssl;

std::string bio_text(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

/// A self-signed P-256 certificate for `cn`, written as PEM to `cert_file` and `key_file`.
void write_self_signed(const char* cn, const std::string& cert_file, const std::string& key_file) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(key != nullptr);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
    BIO* cb = BIO_new(BIO_s_mem());
    BIO* kb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, x);
    PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::ofstream(cert_file) << bio_text(cb);
    std::ofstream(key_file) << bio_text(kb);
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(key);
}

struct TlsFiles {
    TlsFiles() {
        char tmpl[] = "/tmp/tern-net-tls-XXXXXX";
        dir = mkdtemp(tmpl);
        cert = dir + "/cert.pem";
        key = dir + "/key.pem";
        write_self_signed("first.test", cert, key);
    }
    ~TlsFiles() {
        std::remove(cert.c_str());
        std::remove(key.c_str());
        std::remove(dir.c_str());
    }
    std::string dir, cert, key;
};

SignalingConfig tls_config(const TlsFiles& f) {
    SignalingConfig c = test_config();
    c.https_listen = {{"127.0.0.1", 0}};
    c.tls_certificate = f.cert;
    c.tls_key = f.key;
    return c;
}

/// Connects over TLS (no verification), upgrades on /spreed, reads the first frame; returns the
/// frame and the server certificate's common name.
std::pair<std::string, std::string> wss_first_frame(const tcp::endpoint& to) {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, ctx);
    beast::get_lowest_layer(ws).connect(to);
    ws.next_layer().handshake(ssl::stream_base::client);
    websocket::response_type res;
    ws.handshake(res, "127.0.0.1", "/spreed");
    CHECK(std::string(res["X-Spreed-Signaling-Features"]).find("hello-v2") != std::string::npos);
    beast::flat_buffer buf;
    ws.read(buf);
    X509* peer = SSL_get1_peer_certificate(ws.next_layer().native_handle());
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    X509_free(peer);
    ws.close(websocket::close_code::normal);
    return {beast::buffers_to_string(buf.data()), cn};
}

}  // namespace

TEST_CASE("TLS: wss:// on the HTTPS listener; SIGHUP's reload serves the new certificate",
          "[signaling][net]") {
    TlsFiles files;
    TestServer ts(tls_config(files));
    REQUIRE(ts.server.https_endpoints().size() == 1);
    const tcp::endpoint at = ts.server.https_endpoints()[0];
    auto [frame, cn] = wss_first_frame(at);
    CHECK(frame == "welcome");
    CHECK(cn == "first.test");

    write_self_signed("second.test", files.cert, files.key);
    REQUIRE(ts.server.reload_certificate());
    CHECK(wss_first_frame(at).second == "second.test");

    std::ofstream(files.cert) << "not a certificate";
    CHECK_FALSE(ts.server.reload_certificate());
    CHECK(wss_first_frame(at).second == "second.test");  // the old one stays
}

TEST_CASE("TLS: a missing certificate fails start() with the file's name", "[signaling][net]") {
    SignalingConfig c = test_config();
    c.https_listen = {{"127.0.0.1", 0}};
    c.tls_certificate = "/nonexistent/cert.pem";
    c.tls_key = "/nonexistent/key.pem";
    FakeRecord rec;
    tern::Logger log("signaling-net-test");
    Server server(
        c, test_options(), [&rec](unsigned s) { return std::make_unique<FakeHandler>(s, rec); },
        log);
    auto started = server.start();
    REQUIRE_FALSE(started);
    CHECK(started.error().find("/nonexistent/cert.pem") != std::string::npos);
}

TEST_CASE("BackendClient over https: verified by default, skip_verify for tests",
          "[signaling][net]") {
    TlsFiles files;
    TestServer ts(tls_config(files));
    const std::string url =
        "https://127.0.0.1:" + std::to_string(ts.server.https_endpoints()[0].port()) +
        "/api/v1/welcome";
    asio::io_context io;
    struct Out {
        bool done = false;
        BackendReply reply;
        CallOutcome outcome{};
    };
    auto run = [&](bool verify) {
        BackendClientOptions o;
        o.verify_tls = verify;
        o.timeout = 2000ms;
        BackendClient client(io, o);
        Out out;
        client.execute(HttpMethod::Get, url, "", "", [&out](BackendReply r, CallOutcome c) {
            out.reply = std::move(r);
            out.outcome = c;
            out.done = true;
        });
        REQUIRE(drive(io, out.done));
        return out;
    };
    const Out unverified = run(false);
    CHECK(unverified.outcome == CallOutcome::Ok);
    CHECK(unverified.reply.body.find("Welcome") != std::string::npos);
    const Out verified = run(true);  // self-signed: refused
    CHECK(verified.outcome == CallOutcome::TransportError);
}
