// The HTTPS listener's TLS context, loaded from the configured PEM certificate (chain) and key.
// Loading is also how a reload (SIGHUP) happens: a new context for new connections, the old one
// kept by the connections that use it.
#pragma once

#include "common/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace tern::sig::net {

/// TLS 1.2+ server context from `certificate_file` (PEM chain) and `key_file` (PEM); the error
/// names the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>, std::string>
load_server_tls(const std::string& certificate_file, const std::string& key_file);

}  // namespace tern::sig::net
