#include "controlplane/proxy/proxy_stream_connection.hpp"

namespace tern::cp {

void serve_plain(ProxyServer& server, boost::asio::ip::tcp::socket socket) {
    std::make_shared<detail::StreamConnection<detail::beast::tcp_stream>>(server, std::move(socket))
        ->start();
}

}  // namespace tern::cp
