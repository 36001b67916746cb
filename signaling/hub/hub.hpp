// The hub: tern-signaling's protocol logic for one shard. It keeps the sessions, the rooms and
// the backend calls in flight, and turns every event the network edge reports (a frame, a closed
// connection, a backend's reply or POST, the passing of time) into Effects. It never touches a
// socket or a clock: `now_us` comes with every call (a Unix-epoch µs clock: participants' lastPing
// is derived from it), so every flow is tested without sockets (hub_*_test.cpp).
//
// Files by flow: hub.cpp (entry points, delivery, session life, timers), hub_hello.cpp (hello
// v1, internal, resume), hub_hello_v2.cpp (JWT hellos, capabilities), hub_room.cpp (join,
// leave), hub_ping.cpp (backend pings), hub_message.cpp (message, control, transient),
// hub_internal.cpp (virtual sessions), hub_mcu.cpp (the SFU through signaling/mcu/),
// hub_backend_post.cpp and hub_participants.cpp (Nextcloud's POSTs), hub_dialout.cpp (dial-out
// through an internal client), hub_takeover.cpp (session records and resume on another node).
//
// Clustering (hub_cluster.cpp, docs/signaling.md "Clustering"). With NATS configured, nodes
// share rooms, users and sessions through the cluster bus; each node renders and delivers for its
// own sessions only:
//  - Every room-wide frame leaves through deliver_to_room() (and the chat variant), which writes
//    to the local members and, unless the frame is a node-local consequence (see Reach), publishes
//    it with its recipient filter on "room.<key>"; other nodes deliver it to their members.
//  - A join also publishes "joined": every other node answers the joiner (on "session.<id>")
//    with a join event listing its own members.
//  - A message to a session this hub does not own (the owning node is inside the public id, see
//    session_ids.hpp) is published on "session.<id>", a user recipient also on "user.<key>".
//  - A backend POST is applied here and published on "backend.room.<key>"; every node applies it
//    to its own sessions, so what it causes for room members stays local (Reach::Local), while
//    the leave and join events of this node's sessions still cross.
//  - Transient data crosses as TransientChange (and TransientState for a joiner), a Talk room
//    session id taken by a joiner as RoomSessionClaimed (one socket per Talk session).
//  - Not yet shared: in-call state for backend pings (each node pings for its own members, as
//    each shard does).
// Several shards per process use the same events on the bus between shards (docs/signaling.md,
// "Shards"): each shard is a node of its own (session_nodes.hpp), and a resume that reaches the
// wrong shard is handed to the one holding the session (Effects::handoffs).
#pragma once

#include "common/string_map.hpp"
#include "signaling/api/backend_messages.hpp"
#include "signaling/api/client_request.hpp"
#include "signaling/api/error_code.hpp"
#include "signaling/backend_api/backend_url.hpp"
#include "signaling/backend_api/capabilities.hpp"
#include "signaling/cluster/cluster_event.hpp"
#include "signaling/config/signaling_config.hpp"
#include "signaling/hub/handler.hpp"
#include "signaling/hub/room.hpp"
#include "signaling/hub/room_session_directory.hpp"
#include "signaling/hub/session.hpp"
#include "signaling/hub/timer_queue.hpp"
#include "signaling/limits/shared_brute_force.hpp"
#include "signaling/limits/shared_hello_rate.hpp"
#include "signaling/mcu/mcu_client.hpp"
#include "signaling/session/session_ids.hpp"
#include "signaling/session/shard_nodes.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace tern::sig {

struct HubOptions {
    /// Random 64-bit values for session ids; default: OpenSSL's CSPRNG. Tests pass a seeded one.
    std::function<uint64_t()> random;
    /// This node's id inside session ids; default: the configuration's node_id, numbered for
    /// `shard` (shard_nodes.hpp).
    std::optional<uint16_t> node_id;
    /// Which shard of how many in this process the hub serves. With more than one the shards
    /// form a cluster of their own (clustered even without NATS).
    unsigned shard = 0;
    unsigned shards = 1;
    /// The publishers of every shard's MCU client (mcu/publisher_directory.hpp), so that a
    /// session subscribes to a publisher on another shard; null for a shard alone.
    std::shared_ptr<mcu::PublisherDirectory> publishers;
    /// The Talk room session ids of every shard's sessions (room_session_directory.hpp); null
    /// for a shard alone.
    std::shared_ptr<RoomSessionDirectory> room_sessions;
    /// The process's hello rate limit ([limits] hellos_per_second), shared by its shards; null:
    /// the hub makes its own.
    std::shared_ptr<SharedHelloRate> hello_rate;
    /// The process's brute-force limits on resumes and internal hellos, shared by its shards;
    /// null: the hub makes its own.
    std::shared_ptr<SharedBruteForce> brute_force;
    /// Signs the hello tokens for the SFU's proxies ([mcu] token_key); without one, with [mcu]
    /// configured, every hello fails and the proxies are retried.
    mcu::TokenSource mcu_token;
};

/// The protocol's timers (signaling-protocol.md §1, §4).
inline constexpr uint64_t kHelloTimeoutUs = 2'000'000;
inline constexpr uint64_t kRoomJoinTimeoutUs = 10'000'000;
inline constexpr uint64_t kResumeWindowUs = 30'000'000;
inline constexpr uint64_t kPingIntervalUs = 10'000'000;
/// How often a clustered node writes its NodeMark when nothing else does (its sign of life).
inline constexpr uint64_t kNodeMarkEveryUs = 1'000'000;
/// The backend API version of our requests until capabilities are read (current Talk: v3 only).
inline constexpr int kDefaultBackendApiVersion = 3;

class Hub final : public Handler {
public:
    explicit Hub(const SignalingConfig& cfg, HubOptions opts = {});

    Effects on_open(ConnId conn, const ClientInfo& who, uint64_t now_us) override;
    Effects on_handoff(const HandOff& h, uint64_t now_us) override;
    Effects on_text(ConnId conn, std::string_view frame, uint64_t now_us) override;
    Effects on_binary(ConnId conn, uint64_t now_us) override;
    Effects on_close(ConnId conn, uint64_t now_us) override;
    Effects on_backend_reply(CallId call, BackendReply reply, uint64_t now_us) override;
    Effects on_backend_post(const BackendPostRequest& req, uint64_t now_us) override;
    Effects on_tick(uint64_t now_us) override;
    [[nodiscard]] HubStats stats() const override;
    Effects on_proxy_open(std::size_t proxy, uint64_t now_us) override;
    Effects on_proxy_frame(std::size_t proxy, std::string_view frame, uint64_t now_us) override;
    Effects on_proxy_closed(std::size_t proxy, uint64_t now_us) override;
    Effects on_cluster_message(std::string_view subject, std::string_view payload, uint64_t seq,
                               uint64_t now_us) override;
    Effects on_cluster_event(std::string_view subject, const cluster::Event& event,
                             uint64_t now_us) override;
    Effects on_session_loaded(ConnId conn, const cluster::LoadedSession& loaded,
                              uint64_t now_us) override;
    Effects on_session_replay(const std::string& session,
                              std::vector<cluster::StreamMessage>&& messages,
                              uint64_t now_us) override;

    /// The session a connection carries, or null (tests and the edge's logs).
    [[nodiscard]] const Session* session_of_conn_for_test(ConnId conn) const;
    [[nodiscard]] const Session* session_for_test(std::string_view public_id) const;
    [[nodiscard]] const Room* room_for_test(std::size_t backend, std::string_view room_id) const;

private:
    struct Conn {
        ClientInfo who;
        std::string session;         // public id once hello succeeded
        bool auth_pending = false;   // a hello waits for the backend (or the session store)
        std::string resume_id;       // a resume looked up in the session store
        std::string resume_request;  // that hello's request id
        bool closing = false;        // a CloseConn was issued: ignore further frames
        uint64_t hello_deadline_us = 0;
    };

    // Backend calls in flight, by what their reply continues.
    struct AuthCall {
        ConnId conn = 0;
        std::string request_id;
        api::HelloVersion version = api::HelloVersion::V1;
        std::vector<std::string> features;
        std::size_t backend = 0;
    };
    struct JoinCall {
        std::string session;
        std::string request_id;
        std::string room_id;
        std::string room_session_id;
    };
    struct AddSessionCall {
        std::string owner;
        std::string virtual_session;
        std::string request_id;
        std::string room_id;
    };
    struct CapabilitiesCall {
        std::size_t backend = 0;
    };
    struct IgnoredCall {};  // leave, ping, session remove: the answer changes nothing
    using PendingCall =
        std::variant<AuthCall, JoinCall, AddSessionCall, CapabilitiesCall, IgnoredCall>;

    /// A v2 hello waiting for its backend's capabilities (the token key).
    struct ParkedHello {
        ConnId conn = 0;
        std::string id;
        api::Hello hello;
        std::size_t backend = 0;
        bool refetched = false;  // the key was missing once and a refresh was forced
        bool fetched = false;    // back from the fetch it waited for
    };

    // hub.cpp: delivery and session life
    /// What becomes of a frame for `s` now: dropped, held until a replay ends, written to its
    /// connection, or queued while it is detached.
    enum class Delivery : uint8_t { Skip, Hold, Send, Queue };
    [[nodiscard]] Delivery delivery_for(const Session& s) const;
    void send_to_session(Session& s, std::string frame, Effects& fx);
    /// The same for a frame several sessions get (a fan-out): written once, shared by all.
    void send_to_session(Session& s, const std::shared_ptr<const std::string>& frame, Effects& fx);
    /// Whom a room frame reaches with respect to a permission (hide-displaynames).
    using Holders = cluster::Holders;
    /// The room fan-out seam (see the plan above): one room-wide frame to the local members,
    /// except `except` (a public id, or ""), only those in the call when `call_only`; when
    /// `permission` is set, not to its holders (Excluded) or only to them (Only).
    void deliver_to_room(const Room& room, std::string_view frame, std::string_view except,
                         bool call_only, Effects& fx, std::string_view permission = {},
                         Holders holders = Holders::Excluded);
    Session& create_session(ClientType type, std::size_t backend, uint64_t now_us, Effects& fx);
    /// Ends a session: leaves its room (the backend told when `tell_backend`), drops its virtual
    /// sessions, forgets it. Its connection, if any, is not closed here.
    void destroy_session(const std::string& id, bool tell_backend, uint64_t now_us, Effects& fx);
    /// Bye with `reason` (none when empty), close the connection, end the session.
    void kick_session(const std::string& public_id, std::string_view reason, bool tell_backend,
                      uint64_t now_us, Effects& fx);
    CallId backend_call(std::size_t backend, std::string body, PendingCall pending, Effects& fx);
    void send_error(ConnId conn, std::string_view id, api::ErrorCode code, std::string_view message,
                    Effects& fx, std::string_view details = {});
    Session* find_session(std::string_view public_id);
    Room* find_room(std::size_t backend, std::string_view room_id);
    void index_user(const Session& s, bool add, Effects& fx);
    void fire_timer(const Timer& t, uint64_t now_us, Effects& fx);

    // hub_hello.cpp
    void handle_hello(ConnId conn, const std::string& id, api::Hello hello, uint64_t now_us,
                      Effects& fx);
    void hello_resume(ConnId conn, const std::string& id, const api::Hello& hello, uint64_t now_us,
                      Effects& fx);
    void hello_internal(ConnId conn, const std::string& id, api::Hello hello, uint64_t now_us,
                        Effects& fx);
    void on_auth_reply(AuthCall call, const BackendReply& reply, uint64_t now_us, Effects& fx);
    void hello_failed(ConnId conn, uint64_t now_us);
    /// A client the backend (v1) or its token (v2) vouched for: the session and the hello reply.
    void start_client_session(ConnId conn, std::string_view id, api::HelloVersion version,
                              std::vector<std::string> features, std::size_t backend,
                              const std::string& user_id, const api::RawJson& user, uint64_t now_us,
                              Effects& fx);
    void write_hello(ConnId conn, std::string_view id, const Session& s, Effects& fx);
    std::optional<std::size_t> backend_index(std::string_view url) const;

    // hub_hello_v2.cpp
    void hello_v2(ParkedHello p, uint64_t now_us, Effects& fx);
    void fetch_capabilities(std::size_t backend, uint64_t now_us, Effects& fx);
    void on_capabilities_reply(CapabilitiesCall call, const BackendReply& reply, uint64_t now_us,
                               Effects& fx);
    /// The signaling endpoint's version for `backend`: from its capabilities when known, else 3.
    [[nodiscard]] int api_version(std::size_t backend) const;

    // hub_room.cpp
    void handle_room(Session& s, const std::string& id, const api::RoomRequest& r, uint64_t now_us,
                     Effects& fx);
    void on_join_reply(JoinCall call, const BackendReply& reply, uint64_t now_us, Effects& fx);
    void enter_room(Session& s, const std::string& id, const std::string& room_id,
                    std::string room_session_id, const api::BackendRoomAnswer* answer,
                    uint64_t now_us, Effects& fx);
    /// Takes `s` out of its room: leave events, its sd: transient key, the backend told when
    /// `tell_backend`; an emptied room goes.
    void leave_room(Session& s, bool tell_backend, uint64_t now_us, Effects& fx);
    void send_join_events(Room& room, Session& joiner, Effects& fx);
    void start_join_timer(Session& s, uint64_t now_us);

    // hub_ping.cpp
    /// The ping due for `room`: that room alone, or every room of its backend when the backend's
    /// capabilities set a session-ping-limit.
    void ping_room(Room& room, uint64_t now_us, Effects& fx);
    void add_ping_entries(const Room& room, std::vector<api::BackendPingEntry>& out);

    // hub_message.cpp
    void handle_message(Session& s, const std::string& id, const api::MessageRequest& m,
                        uint64_t now_us, Effects& fx);
    /// Who sent a message: a local session or one of another node.
    struct MessageSender {
        std::string_view type;  // the recipient type, echoed as the sender's ("session", ...)
        std::string_view public_id;
        std::string_view user_id;
    };
    void deliver_message(const MessageSender& from, Session& to, const api::MessageRequest& m,
                         Effects& fx);
    void handle_transient(Session& s, const std::string& id, const api::TransientRequest& t,
                          uint64_t now_us, Effects& fx);
    void set_transient(Room& room, const std::string& key, api::RawJson value, uint64_t ttl_us,
                       uint64_t now_us, Effects& fx);
    void remove_transient(Room& room, std::string_view key, Effects& fx);
    /// The whole of the room's transient data to one session ("initial").
    void send_transient_initial(const Room& room, Session& to, Effects& fx);
    /// A client's change, for the other nodes (TransientChange; `value` "" for a removal).
    void publish_transient(const Room& room, const std::string& key, const api::RawJson& value,
                           uint64_t ttl_us, Effects& fx);
    void apply_transient_state(const cluster::TransientState& t, uint64_t now_us, Effects& fx);

    // hub_mcu.cpp: the SFU (§3.6) through the MCU client, when [mcu] is configured
    /// A message to a session that the SFU takes (offer, answer, candidate, requestoffer, ...);
    /// false when it is delivered as usual.
    bool intercept_for_sfu(Session& s, const std::string& id, const api::MessageRequest& m,
                           uint64_t now_us, Effects& fx);
    /// The MCU client's effects: connection effects to the edge, results as Talk frames.
    void apply_mcu(mcu::McuEffects&& mfx, Effects& fx);
    /// `s` left the call (or its room, or the server): its publishers and subscribers go.
    void release_media(const Session& s, uint64_t now_us, Effects& fx);

    // hub_internal.cpp
    void handle_internal(Session& s, const std::string& id, api::InternalRequest req,
                         uint64_t now_us, Effects& fx);
    void on_add_session_reply(const AddSessionCall& call, const BackendReply& reply,
                              uint64_t now_us, Effects& fx);
    void add_virtual(Session& owner, const api::AddSession& a, const std::string& request_id,
                     uint64_t now_us, Effects& fx);
    /// A virtual session the backend accepted enters its room: join, participants, flags.
    void enter_virtual(Session& v, const std::string& room_id, uint64_t now_us, Effects& fx);
    void remove_virtual(Session& v, uint64_t now_us, Effects& fx);

    // hub_backend_post.cpp, hub_participants.cpp
    /// roomlist/update to the users of `all` that are not in `told` (invite and disinvite).
    void update_other_users(std::size_t backend, const std::string& room_id,
                            const std::vector<std::string>& all,
                            const std::vector<std::string>& told, const api::RawJson& properties,
                            Effects& fx);
    void post_invite(std::size_t backend, const std::string& room_id, const api::RoomInvite& r,
                     Effects& fx);
    void post_disinvite(std::size_t backend, const std::string& room_id,
                        const api::RoomDisinvite& r, uint64_t now_us, Effects& fx);
    void post_update(std::size_t backend, const std::string& room_id, const api::RoomUpdate& r,
                     Effects& fx);
    void post_delete(std::size_t backend, const std::string& room_id, const api::RoomDelete& r,
                     uint64_t now_us, Effects& fx);
    void post_message(std::size_t backend, const std::string& room_id, const api::RoomMessage& r,
                      Effects& fx);
    void post_switchto(std::size_t backend, const std::string& room_id, const api::RoomSwitchTo& r,
                       Effects& fx);
    void post_incall(std::size_t backend, const std::string& room_id, const api::RoomInCall& r,
                     uint64_t now_us, Effects& fx);
    void post_participants(std::size_t backend, const std::string& room_id,
                           const api::RoomParticipants& r, uint64_t now_us, Effects& fx);
    void send_participants_update(Room& room, const std::vector<api::Participant>& users,
                                  const std::vector<api::Participant>& changed, uint64_t now_us,
                                  Effects& fx);
    /// The chat-relay variant of the fan-out seam: chat-relay clients get `relayed` (one frame per
    /// comment), the others `refresh`.
    void deliver_chat_to_room(const Room& room, const std::vector<std::string>& relayed,
                              const std::string& refresh, Effects& fx);

    // hub_cluster.cpp: the cluster bus (no-ops outside a cluster)
    /// A room's two subjects (room.<key>, backend.room.<key>), while it has members here.
    void room_interest(const Room& room, bool on, Effects& fx);
    /// Whether deliver_to_room also publishes to the other nodes: not for what every node derives
    /// itself (a backend request, an event from the bus) nor for node-local state (transient
    /// data, for now). Set for a scope with ReachScope.
    enum class Reach : uint8_t { Cluster, Local };
    class ReachScope {
    public:
        ReachScope(Reach& at, Reach r) : at_(at), saved_(at) { at = r; }
        ~ReachScope() { at_ = saved_; }
        ReachScope(const ReachScope&) = delete;
        ReachScope& operator=(const ReachScope&) = delete;

    private:
        Reach& at_;
        Reach saved_;
    };
    void cluster_interest(std::string subject, bool on, Effects& fx);
    void cluster_publish(std::string subject, cluster::EventBody body, Effects& fx);
    void publish_room_frame(const Room& room, std::string_view frame, std::string_view except,
                            bool call_only, std::string_view permission, Holders holders,
                            Effects& fx);
    void publish_joined(const Room& room, const Session& joiner, bool hides_names, Effects& fx);
    /// A session message to a session this node does not hold (another node owns it, or took it
    /// over): published; false when `to` is no id of this cluster.
    bool route_to_other_node(const Session& from, const api::MessageRequest& m, Effects& fx);
    void publish_user_message(const Session& from, const api::MessageRequest& m, Effects& fx);
    void publish_backend_post(std::size_t backend, const std::string& room_id,
                              const std::string& body, bool to_users, Effects& fx);
    void apply_cluster_event(const cluster::Event& e, uint64_t seq, uint64_t now_us, Effects& fx);
    void apply_remote_message(const cluster::RemoteMessage& m, std::size_t backend, Effects& fx);
    void apply_session_joined(const cluster::SessionJoined& j, uint64_t now_us, Effects& fx);
    std::optional<std::size_t> backend_by_id(std::string_view id) const;
    /// The join event listing `room`'s local members for `joiner` (nothing when there are none).
    std::string members_join_event(const Room& room, const Session* joiner, bool hides_names);
    /// The backend's request applied to this node's sessions; (status, answer) for the HTTP
    /// request `http` (0: from another node, nothing to answer, no dial-out).
    /// `to_users` (when given) is set when the request names users (see backend_users_subject).
    std::pair<int, std::string> apply_backend_post(std::size_t backend, const std::string& room_id,
                                                   const std::string& body, HttpId http,
                                                   uint64_t now_us, Effects& fx,
                                                   bool* to_users = nullptr);

    // hub_takeover.cpp: session records in JetStream KV, resume on another node
    /// Writes `s`'s record (clustered, resumable sessions only).
    void save_record(const Session& s, Effects& fx);
    void erase_record(const Session& s, Effects& fx);
    /// The node's progress through the session stream and its sign of life.
    void save_node_mark(uint64_t now_us, Effects& fx);
    /// A resume id this node does not hold: ask the session store (false when it cannot be).
    bool load_remote_session(ConnId conn, const std::string& id, const std::string& resume_id);
    /// A session another node took over: gone from here without a word to anyone.
    void drop_moved_session(const std::string& public_id, Effects& fx);
    /// Puts a taken-over session back into its room, quietly (the others know it is there).
    void adopt_room(Session& s, const std::string& room_id, std::string room_session_id,
                    uint64_t now_us, Effects& fx);
    /// One stored event applied to the taken-over session `s` alone.
    void replay_event(Session& s, cluster::Event&& e, Effects& fx);

    // hub_dialout.cpp
    /// (status, body) of a dial-out request; status 0 when it waits for an internal client.
    std::pair<int, std::string> post_dialout(std::size_t backend, const std::string& room_id,
                                             const api::RoomDialout& r, HttpId http,
                                             uint64_t now_us, Effects& fx);
    void on_dialout_reply(Session& s, const std::string& id, const api::DialoutReply& d,
                          uint64_t now_us, Effects& fx);
    void dialout_timed_out(const std::string& request_id, uint64_t at_us, Effects& fx);
    void send_to_users(std::size_t backend, const std::vector<std::string>& user_ids,
                       const std::string& frame, Effects& fx);
    /// The local session holding Talk room session `rsid` of `backend`, or null.
    Session* session_by_room_session(std::size_t backend, std::string_view rsid);
    /// One socket per Talk session: the session of this hub that holds `rsid`, if not `joiner`,
    /// goes with bye room_session_reconnected, the backend untold.
    void kick_room_session_holder(std::size_t backend, const std::string& rsid,
                                  const std::string& joiner, uint64_t now_us, Effects& fx);
    /// Maps the session's Talk room session id to it, here and in the shards' directory.
    void bind_room_session(const Session& s);
    void unbind_room_session(std::size_t backend, const std::string& rsid,
                             const std::string& public_id);
    void open_conn(ConnId conn, ClientInfo who, uint64_t now_us);

    SignalingConfig cfg_;
    SessionIds ids_;
    std::function<uint64_t()> random_;
    std::vector<BackendEntry> backend_urls_;     // every configured URL, flattened for find_backend
    std::vector<std::size_t> backend_of_url_;    // its backend's index in cfg_.backends
    std::shared_ptr<SharedBruteForce> limiter_;  // resumes, internal hellos
    std::shared_ptr<SharedHelloRate> hello_rate_;  // [limits] hellos_per_second per address
    uint64_t hellos_rate_limited_ = 0;

    std::vector<uint32_t>
        clients_per_backend_;  // client sessions, for each backend's session_limit
    std::unordered_map<ConnId, Conn> conns_;
    StringMap<Session> sessions_;                  // by public id
    StringMap<std::string> by_resume_;             // resume id → public id
    StringMap<std::vector<std::string>> by_user_;  // "<backend>|<userid>" → public ids
    StringMap<std::string> by_room_session_;       // "<backend>|<rsid>" → public id
    StringMap<Room> rooms_;                        // by room_key()
    StringMap<std::string> by_virtual_;            // "<owner>|<client's id>" → public id
    std::unordered_map<CallId, PendingCall> calls_;
    CapabilitiesCache caps_;
    std::vector<ParkedHello> parked_hellos_;
    struct PendingDialout {
        HttpId http = 0;
        std::string client;  // the internal session asked
        uint64_t deadline_us = 0;
    };
    std::unordered_map<std::string, PendingDialout> dialouts_;  // by the request's id
    TimerQueue timers_;
    std::unique_ptr<mcu::McuClient> mcu_;  // owned; null without [mcu]
    bool mcu_started_ = false;
    /// Who asked for what the MCU client is doing: the session told of a failure and the id of
    /// its message, by (session, publisher session, stream type).
    struct McuAsker {
        std::string session;
        std::string message_id;
    };
    std::map<std::tuple<std::string, std::string, std::string>, McuAsker> mcu_askers_;
    uint64_t next_serial_ = 1;
    CallId next_call_ = 1;
    std::shared_ptr<RoomSessionDirectory> room_sessions_;  // shared with the other shards
    ShardNodes shard_nodes_;   // this process's shards, to hand a resume to its owner
    bool clustered_ = false;   // [nats] url names a NATS server, or shards > 1: other nodes exist
    bool bus_joined_ = false;  // the subjects every node wants are subscribed (first tick)
    // The session stream (hub_takeover.cpp): the sequence of the message being handled (0 for
    // anything else), the highest one handled, and when this node's mark was last written.
    uint64_t current_seq_ = 0;
    uint64_t stream_seq_ = 0;
    uint64_t mark_written_us_ = 0;
    Reach reach_ = Reach::Cluster;
};

}  // namespace tern::sig
