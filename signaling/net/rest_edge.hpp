// A shard's embedded Talk backend at the edge: it owns the shard's BackendService (its own Store
// connection), hands it the REST requests the HTTP sessions read, and carries out its decisions:
// a reply goes back at once; a long poll is parked here beside its response callback until the
// service's ChatWaiters wake it (a message posted on this shard, RestReply::woken) or its deadline
// passes (a timer at the next deadline: 304), and a client that goes away cancels it. All on the
// shard's thread, like the service itself.
#pragma once

#include "common/log.hpp"
#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/backend/rest/rest_exchange.hpp"
#include "signaling/net/http_routes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace tern::sig::net {

class RestEdge {
public:
    using Done = std::function<void(backend::rest::RestReply)>;
    /// Tells the other shards that a room's chat has messages up to an id (they call notify()).
    using Broadcast = std::function<void(backend::RoomId, int64_t)>;

    RestEdge(boost::asio::io_context& io, std::unique_ptr<backend::rest::BackendService> service,
             Broadcast broadcast, const Logger& log);
    RestEdge(const RestEdge&) = delete;
    RestEdge& operator=(const RestEdge&) = delete;

    /// Serves one request. `done` is called exactly once, on this thread: before this returns,
    /// or later for a parked long poll. Returns the parked poll's id (for cancel()), 0 when
    /// answered already.
    uint64_t serve(const backend::rest::RestRequest& req, Done done);
    /// Another shard changed `room`: wakes this shard's polls that had not seen `newest`.
    void notify(backend::RoomId room, int64_t newest);
    /// The client of a parked poll went away: forget it without an answer.
    void cancel(uint64_t id);
    /// Shutdown: answers every parked poll with 304 now (clients poll again elsewhere).
    void stop();
    [[nodiscard]] std::size_t parked() const noexcept { return parked_.size(); }
    backend::rest::BackendService& service() noexcept { return *service_; }

private:
    struct Parked {
        backend::rest::ParkedPoll poll;
        Done done;
    };
    void answer(const std::vector<backend::ChatWaiters::WaiterId>& ids);
    void arm();
    void on_timer();

    std::unique_ptr<backend::rest::BackendService> service_;  // owned
    boost::asio::steady_timer timer_;
    Broadcast broadcast_;
    const Logger& log_;
    std::unordered_map<uint64_t, Parked> parked_;
};

/// The REST request of an HTTP request: headers and body copied, `tls` for the base URL's scheme.
backend::rest::RestRequest rest_request_of(const HttpRequest& req, const std::string& client_ip,
                                           bool tls);

/// The HTTP response for a REST reply, with the headers every response carries.
HttpResponse rest_response(const EdgeContext& ctx, const backend::rest::RestReply& reply,
                           const HttpRequest& req);

}  // namespace tern::sig::net
