// A client WebSocket as its shard sees it, whatever carries it (TCP or TLS): the effects runner
// sends frames to it and closes it by ConnId, the server's stop closes it with "going away".
#pragma once

#include <memory>
#include <string>

namespace tern::sig::net {

/// Something the shard must end on a graceful stop (a WebSocket, an idle HTTP connection).
class Stoppable {
public:
    virtual ~Stoppable() = default;
    virtual void stop() = 0;
};

class WsLink : public Stoppable {
public:
    /// Queues a text frame; over the send-queue budget the client is a slow consumer: counted
    /// and closed (on_close follows from the connection's end, never from inside send()).
    virtual void send(std::string text) = 0;
    /// The same for a frame shared with other connections (a fan-out), kept alive until written.
    virtual void send_shared(std::shared_ptr<const std::string> text) = 0;
    /// Closes with a close frame after the frames already queued.
    virtual void close() = 0;
};

}  // namespace tern::sig::net
