// The MCU proxy client's protocol logic: one state machine per proxy connection (connect, hello,
// resume within a minute of a drop) and the publishers and subscribers the Talk sessions have on
// them. Pure: inputs are method calls with the time, outputs McuEffects (mcu_effects.hpp); the
// edge owns the WebSockets and the hub turns results into Talk messages. Not thread-safe: one
// owner (the shard that holds the hub) calls it.
//
// Requests carry ids ("1", "2", ...) unique within this client; every request awaits its reply
// for at most request_timeout_us. A Talk session has at most one publisher per stream type, and
// one subscriber per (publisher session, stream type); both are found by the proxy's clientId
// too, for what the proxy sends on its own (offers, candidates, closed events).
// See docs/signaling.md, "The MCU client".
#pragma once

#include "common/result.hpp"
#include "signaling/mcu/mcu_effects.hpp"
#include "signaling/mcu/proxy_messages.hpp"
#include "signaling/mcu/publisher_directory.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace tern::sig::mcu {

struct McuClientOptions {
    std::vector<std::string> urls;  // [mcu] url: ws://host:port (dialled at "proxy" relative to it)
    // Per request, hello included: [mcu] proxytimeout (McuConfig::timeout_s), whose default of
    // 2 s is the reference server's; tern's proxy answers a create within milliseconds.
    uint64_t request_timeout_us = 2'000'000;
    uint64_t resume_window_us = 60'000'000;   // the proxy keeps a dropped session this long
    uint64_t reconnect_delay_us = 1'000'000;  // after a drop or a failed connect
    /// Shared with the other shards' clients (publisher_directory.hpp); null for a shard alone.
    std::shared_ptr<PublisherDirectory> directory;
};

/// Signs a hello token at Unix time `now_s` (ProxyTokenSigner::sign in production).
using TokenSource = std::function<Result<std::string, std::string>(int64_t now_s)>;

enum class LinkState : uint8_t { Idle, Connecting, Hello, Ready };

class McuClient {
public:
    McuClient(McuClientOptions options, TokenSource token);

    // ---- the edge's calls (now_us: Unix time in microseconds, as the hub's) ----
    /// Opens every configured proxy.
    McuEffects start(uint64_t now_us);
    /// The WebSocket to `proxy` is open: hello (resume when the session is still resumable).
    McuEffects on_open(ProxyIndex proxy, uint64_t now_us);
    /// One text frame from `proxy`.
    McuEffects on_frame(ProxyIndex proxy, std::string_view frame, uint64_t now_us);
    /// The connection failed or dropped; pending requests on it fail, a reconnect is scheduled.
    McuEffects on_closed(ProxyIndex proxy, uint64_t now_us);
    /// Timeouts, reconnects, expiry of resumable sessions. Call about once a second.
    McuEffects tick(uint64_t now_us);

    // ---- the hub's calls (§3.6); `ref.session` is the caller, `ref.publisher` whose stream ----
    /// An offer from a publisher (ref.session == ref.publisher): creates the publisher on the
    /// least-loaded proxy if needed, then sends the offer; the answer is a PublisherAnswer.
    McuEffects publish(const StreamRef& ref, const PublisherSettings& settings, std::string sdp,
                       uint64_t now_us, std::string scope = {});
    /// A publisher another shard created, from the directory (nullopt without one).
    [[nodiscard]] std::optional<PublisherEntry> shared_publisher(const std::string& session,
                                                                 const std::string& stream) const;
    /// `scope` (the hub's room key) goes into the directory with the publisher.
    /// requestoffer: subscribes ref.session to ref.publisher's stream (or renegotiates a running
    /// subscriber); the offer is a SubscriberOffer. A publisher this client did not create is
    /// looked up in the directory.
    McuEffects request_offer(const StreamRef& ref, uint64_t now_us);
    /// A subscriber's answer to the SFU's offer.
    McuEffects answer(const StreamRef& ref, const std::string& sdp, uint64_t now_us);
    /// A client's candidate (the candidate object's JSON): to its publisher when ref.session ==
    /// ref.publisher, else to its subscriber. Queued while the client is being created.
    McuEffects candidate(const StreamRef& ref, std::string candidate_json, uint64_t now_us);
    /// selectStream: `payload_json` is {substream, temporal, audio, video} as the client sent it.
    McuEffects select_stream(const StreamRef& ref, std::string payload_json, uint64_t now_us);
    /// Deletes the session's publisher of `stream` (unshareScreen, leaving the call).
    McuEffects unpublish(const std::string& session, const std::string& stream, uint64_t now_us);
    /// Deletes ref.session's subscriber of ref.publisher's stream.
    McuEffects unsubscribe(const StreamRef& ref, uint64_t now_us);
    /// Deletes every publisher and subscriber of `session` (it left the call, room or server).
    McuEffects remove_session(const std::string& session, uint64_t now_us);

    // ---- inspection (metrics, tests) ----
    [[nodiscard]] LinkState link_state(ProxyIndex p) const { return links_.at(p).state; }
    [[nodiscard]] uint64_t load(ProxyIndex p) const { return links_.at(p).load; }
    [[nodiscard]] const std::string& proxy_session(ProxyIndex p) const {
        return links_.at(p).session_id;
    }
    /// The proxy's clientId of a publisher (publisher == session) or subscriber, "" when none.
    [[nodiscard]] std::string client_id(const StreamRef& ref) const;
    [[nodiscard]] ProxyIndex proxy_of(const StreamRef& ref) const;
    [[nodiscard]] std::size_t clients() const noexcept { return clients_.size(); }
    [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

private:
    /// (session, publisher session, stream): one publisher when session == publisher.
    using Key = std::tuple<std::string, std::string, std::string>;

    struct Link {
        std::string url;
        LinkState state = LinkState::Idle;
        std::string session_id;   // the proxy's session, kept for resume
        uint64_t dropped_us = 0;  // when a session's connection dropped; 0 when attached
        uint64_t reconnect_at_us = 0;
        bool resuming = false;       // the hello in flight is a resume
        bool shutting_down = false;  // shutdown-scheduled: no new publishers here
        uint64_t load = 0;
    };

    struct Client {
        ProxyIndex proxy = 0;
        uint64_t serial = 0;    // tells a recreated client from the one a late reply was for
        std::string client_id;  // "" while its create command is pending
        StreamRef ref;
        uint64_t bitrate = 0;
        std::string proxy_sid;   // create-subscriber's / subscriber-sid-updated's sid
        std::string queued_sdp;  // a publisher's offer, sent once it exists
        std::vector<std::string> queued_candidates;
        std::string scope;  // a publisher's, for the directory
        [[nodiscard]] bool publisher() const { return ref.session == ref.publisher; }
    };

    /// `ref` as the Talk client sees it: a subscriber's offers and candidates carry its proxy sid.
    static StreamRef talk_ref(const Client& c, StreamRef ref);

    enum class Kind : uint8_t { Hello, CreatePublisher, CreateSubscriber, Payload, Delete };

    struct Pending {
        ProxyIndex proxy = 0;
        Kind kind = Kind::Hello;
        McuRequest request = McuRequest::Publish;
        uint64_t deadline_us = 0;
        Key key;
        uint64_t serial = 0;
        StreamRef ref;
    };

    static Key key_of(const StreamRef& r) { return {r.session, r.publisher, r.stream}; }

    std::string next_id() { return std::to_string(++last_id_); }
    void request(McuEffects& fx, ProxyIndex p, const std::string& id, std::string frame,
                 Pending pending, uint64_t now_us);
    void send_payload(McuEffects& fx, const Client& c, McuRequest what, std::string type,
                      std::string payload, uint64_t now_us);
    void flush_queued(McuEffects& fx, Client& c, uint64_t now_us);
    void send_hello(McuEffects& fx, ProxyIndex p, uint64_t now_us);
    void delete_client(McuEffects& fx, const Client& c, uint64_t now_us);
    void erase_client(const Key& key);
    /// The least-loaded ready proxy that takes new publishers, or none.
    [[nodiscard]] std::optional<ProxyIndex> place() const;
    Client* find(const StreamRef& ref);
    Client* find_by_id(ProxyIndex p, const std::string& client_id);
    static void fail(McuEffects& fx, const StreamRef& ref, McuRequest what, McuFailure why,
                     std::string code = {}, std::string message = {});

    /// The proxy's session is gone: its clients are closed and its pending requests fail.
    void lose_session(McuEffects& fx, ProxyIndex p);
    void fail_pending(McuEffects& fx, ProxyIndex p, McuFailure why);
    void drop_link(McuEffects& fx, ProxyIndex p, uint64_t now_us, bool close);

    /// `failure`: how an error in `msg` is reported (Timeout for the timeouts tick() synthesises).
    void on_reply(McuEffects& fx, ProxyIndex p, const Pending& pending, const ProxyMessage& msg,
                  uint64_t now_us, McuFailure failure = McuFailure::ProxyError);
    void on_hello_reply(McuEffects& fx, ProxyIndex p, const ProxyMessage& msg, uint64_t now_us);
    void on_unsolicited(McuEffects& fx, ProxyIndex p, const ProxyMessage& msg, uint64_t now_us);

    McuClientOptions options_;
    TokenSource token_;
    std::vector<Link> links_;        // by ProxyIndex
    std::map<Key, Client> clients_;  // owned
    std::map<std::pair<ProxyIndex, std::string>, Key> by_client_id_;
    std::map<std::string, Pending> pending_;    // by request id
    std::map<std::string, Pending> abandoned_;  // creates that timed out, by request id
    uint64_t last_id_ = 0;
    uint64_t last_serial_ = 0;
};

}  // namespace tern::sig::mcu
