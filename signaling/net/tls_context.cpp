#include "signaling/net/tls_context.hpp"

#include <openssl/ssl.h>

namespace tern::sig::net {

Result<std::shared_ptr<boost::asio::ssl::context>, std::string>
load_server_tls(const std::string& certificate_file, const std::string& key_file) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(certificate_file, ec);
    if (ec) {
        return unexpected(certificate_file + ": " + ec.message());
    }
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
        return unexpected(key_file + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        return unexpected(key_file + ": the key does not match the certificate " +
                          certificate_file);
    }
    return ctx;
}

}  // namespace tern::sig::net
