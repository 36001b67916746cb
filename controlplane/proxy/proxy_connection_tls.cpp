#include "controlplane/proxy/proxy_stream_connection.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace tern::cp {

void serve_tls(ProxyServer& server, boost::asio::ip::tcp::socket socket,
               boost::asio::ssl::context& tls) {
    using Stream = detail::beast::ssl_stream<detail::beast::tcp_stream>;
    std::make_shared<detail::StreamConnection<Stream>>(server, std::move(socket), tls)->start();
}

}  // namespace tern::cp
