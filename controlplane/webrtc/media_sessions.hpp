// The SFU's session model: publishers and subscribers (the MCU proxy protocol's "clients"), each
// one WebRTC transport on the data plane, and what connects them.
//
// A publisher's offer becomes tern's answer plus one publication per track on the data plane; a
// subscriber gets tern's offer with one subscription per track of its publisher. ICE runs on the
// data plane (ICE-lite); DTLS runs here on records the data plane punts, and its exported keys
// go back as SFU commands. A subscriber lives on its publisher's worker lcore, so forwarding
// stays lcore-local.
//
// Transport-agnostic: the proxy server hands it typed requests (media_requests.hpp) and receives
// events through Events; the data plane is reached only through a CommandSink. The definitions
// are split by concept: media_sessions.cpp (clients, data plane events, counters),
// media_publishers.cpp, media_subscribers.cpp, media_dtls.cpp (DTLS and data channels);
// media_state_store.cpp saves what survives a restart.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "common/shm/spsc_ring.hpp"
#include "controlplane/command_sink.hpp"
#include "controlplane/webrtc/media_client.hpp"
#include "controlplane/webrtc/media_requests.hpp"
#include "controlplane/webrtc/media_state_store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace tern::cp {

class MediaSessions {
public:
    struct Events {
        std::function<void(const std::string& owner, const std::string& client_id)> ice_completed;
        std::function<void(const std::string& owner, const std::string& client_id, bool publisher)>
            closed;
    };

    /// `sink`: where commands for the data plane go (borrowed, outlives this); used only while
    /// attached.
    MediaSessions(const Config& config, const Logger& log, std::shared_ptr<DtlsIdentity> identity,
                  CommandSink& sink, Events events);

    /// A data plane was attached. If it is the instance the saved state was made with (this
    /// control plane restarted, the data plane did not), established clients are kept: their
    /// transports still forward. Otherwise every client is gone and reported closed.
    /// `generation`: what the control plane's commands carry from now on.
    void attach(uint64_t instance_id, uint64_t generation);
    void detach();

    /// Loads the state file (at start). Returns the proxy sessions saved with it.
    std::vector<SavedSession> restore();
    /// The proxy sessions to save with the clients (ProxyServer calls this on each change).
    void set_sessions(std::vector<SavedSession> sessions);

    // ---- the proxy protocol's commands ------------------------------------------------------
    /// `owner`: the proxy session asking.
    Result<Created, ClientError> create_publisher(const std::string& owner,
                                                  const CreatePublisher& req);
    Result<Created, ClientError> create_subscriber(const std::string& owner,
                                                   const CreateSubscriber& req);
    /// Deletes a client (a publisher takes its subscribers along, each reported closed).
    bool remove(const std::string& client_id);
    /// Every client of `owner` (a proxy session that ended).
    void remove_owned_by(const std::string& owner);
    [[nodiscard]] bool exists(const std::string& client_id) const {
        return clients_.count(client_id) != 0;
    }
    [[nodiscard]] bool owned_by(const std::string& client_id, const std::string& owner) const;
    /// A publisher's tracks (none for other clients).
    [[nodiscard]] std::vector<PublishedStream>
    publisher_streams(const std::string& client_id) const;

    // ---- payloads -----------------------------------------------------------------------------
    /// A publisher's offer; returns tern's answer SDP.
    Result<std::string, ClientError> offer(const PublisherOffer& req);
    /// tern's offer to a subscriber (requestoffer / sendoffer).
    Result<std::string, ClientError> request_offer(const RequestOffer& req);
    /// A subscriber's answer.
    Result<bool, ClientError> answer(const SubscriberAnswer& req);
    /// selectStream: a subscriber's simulcast layer (`substream`, 0 = lowest) or video off.
    Result<bool, ClientError> select_stream(const SelectStream& req);
    /// A trickled candidate: checked and counted; tern (ICE-lite) needs none.
    Result<bool, ClientError> candidate(const Candidate& req);

    // ---- data plane -----------------------------------------------------------------------------
    void on_punt(const shm::RingMessage& m, uint64_t now_ms);
    void on_transport_up(const shm::RingMessage& m);
    /// Consent expired on the data plane (the browser went away without a word): the client is
    /// closed and reported (publisher-closed / subscriber-closed).
    void on_transport_down(const shm::RingMessage& m);
    /// A publisher's audio track started or stopped carrying speech (its audio level).
    void on_speaking(const shm::RingMessage& m);
    /// A subscriber's bandwidth estimate moved (SfuEstimateEvt): shown in stats().
    void on_estimate(const shm::RingMessage& m);
    /// DTLS retransmissions and handshake timeouts.
    void tick(uint64_t now_ms);

    [[nodiscard]] nlohmann::json stats() const;
    /// Sum of the clients' bitrates in kbit/s: the load reported to signaling servers.
    [[nodiscard]] uint64_t load() const;

private:
    using Client = MediaClient;

    // media_sessions.cpp
    Result<Client*, ClientError> find(const std::string& id, bool publisher);
    /// The client whose transport an event names (its payload read into `e`), or null.
    template <class Event>
    Client* client_of(const shm::RingMessage& m, Event& e);
    /// A new client's worker-independent fields: id, owner, credentials.
    std::unique_ptr<Client> new_client(const std::string& owner) const;
    /// Gives `c` its worker, transport id and port, installs the transport and keeps the client.
    Result<Client*, ClientError> add_client(std::unique_ptr<Client> c, uint32_t worker);
    bool install_transport(Client& c);
    /// With services.transport_ports: a free port of `worker`'s slice for a new transport (0
    /// when that slice is used up, or without the option).
    uint16_t take_port(uint32_t worker);
    /// New local ICE credentials for a running client (the data plane keeps its media path).
    bool restart_ice(Client& c);
    LocalParams local_params(const Client& c) const;
    void drop(const std::string& id, bool report);
    template <class T>
    bool command(uint32_t worker, const T& cmd) {
        return attached_ && sink_.send(worker, cmd);
    }
    void save();

    // media_subscribers.cpp
    /// A subscriber and its publisher (an error when either is gone).
    Result<std::pair<Client*, const Client*>, ClientError> find_subscriber(const std::string& id);
    /// The worker for a new subscriber of `pub`: the publisher's while it sends fewer than
    /// streams_per_lcore streams, else the least loaded one.
    uint32_t place_subscriber(const Client& pub) const;
    /// A subscriber on another worker than its publisher gets track `i` of it relayed: the
    /// layers as relayed publications on its worker, the relay on the publisher's.
    bool relay_track(const Client& sub, const Client& pub, std::size_t i);
    /// After a subscriber left: stops relays to its worker that no other subscriber there needs.
    void release_relays(const Client& sub);

    // media_dtls.cpp
    void start_dtls(Client& c, const std::string& remote_fingerprint);
    /// A new DTLS association on a subscriber's transport: the browser answered a requestoffer
    /// from a new peer connection (Talk after a failed one). The old association and its data
    /// channels go; the new one's keys replace the old on the data plane.
    void restart_dtls(Client& c, const std::string& remote_fingerprint, uint64_t now_ms);
    void dtls_progress(Client& c);
    void start_data_channels(Client& c);
    /// A message on a publisher's data channel goes to its subscribers' channel of that label.
    void forward_data(const Client& pub, const DataChannels::Channel& ch, ByteSpan data,
                      bool binary);

    const Config& cfg_;
    const Logger& log_;
    std::shared_ptr<DtlsIdentity> identity_;
    CommandSink& sink_;  // borrowed, outlives this
    Events events_;
    MediaStateStore store_;
    bool attached_ = false;
    uint64_t generation_ = 1;
    MediaIds ids_;  // ids_.instance: the data plane the clients live on
    MediaClients clients_;
    std::map<uint64_t, Client*> by_transport_;
    std::vector<LocalCandidate> addresses_;  // without ports
    std::vector<SavedSession> sessions_;
    uint64_t restored_ = 0;
    std::vector<std::pair<uint64_t, uint32_t>>
        stale_;  // restored half-made transports (id, worker)
    struct Counts {
        uint64_t publishers_created = 0, subscribers_created = 0, offers = 0, answers = 0;
        uint64_t dtls_connected = 0, dtls_failed = 0, dtls_in = 0, dtls_out = 0, dtls_unknown = 0,
                 candidates = 0;
        uint64_t data_channels_up = 0, data_messages_in = 0, data_messages_out = 0,
                 ice_restarts = 0, dtls_restarts = 0;
        uint64_t speech_starts = 0;
        uint64_t consent_expired = 0;
    } n_;
};

}  // namespace tern::cp
