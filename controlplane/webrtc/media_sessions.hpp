// The SFU's session model: publishers and subscribers (the MCU proxy protocol's "clients"), each
// one WebRTC transport on the data plane, and what connects them.
//
// A publisher's offer becomes tern's answer plus one publication per track on the data plane; a
// subscriber gets tern's offer with one subscription per track of its publisher. ICE runs on the
// data plane (ICE-lite); DTLS runs here on records the data plane punts, and its exported keys
// go back as SFU commands. A subscriber lives on its publisher's worker lcore, so forwarding
// stays lcore-local.
//
// Transport-agnostic: the proxy server calls the commands and receives events through Events.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "common/shm/spsc_ring.hpp"
#include "controlplane/dp_client/dp_client.hpp"
#include "controlplane/webrtc/data_channels.hpp"
#include "controlplane/webrtc/dtls.hpp"
#include "controlplane/webrtc/negotiation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tern::cp {

/// A refusal in the proxy protocol's terms.
struct ClientError {
    std::string code;  // bad_request, unknown_client, unsupported_payload, ...
    std::string message;
};

struct PublisherSettings {
    std::string stream_type = "video";  // video (camera) or screen
    uint32_t bitrate = 0;               // bit/s; 0 = the configured default
    uint32_t media_types = 0;           // 1 audio | 2 video | 4 screen
    std::string video_codec;            // preferred, optional ("vp8", "vp9,h264"...)
};

class MediaSessions {
public:
    struct Events {
        std::function<void(const std::string& owner, const std::string& client_id)> ice_completed;
        std::function<void(const std::string& owner, const std::string& client_id, bool publisher)> closed;
    };

    MediaSessions(const Config& config, const Logger& log, std::shared_ptr<DtlsIdentity> identity, Events events);

    /// A data plane was attached. If it is the instance the saved state was made with (this
    /// control plane restarted, the data plane did not), established clients are kept: their
    /// transports still forward. Otherwise every client is gone and reported closed.
    /// `generation`: what the control plane's commands carry from now on.
    void attach(DataplaneClient& dp, uint64_t instance_id, uint64_t generation);
    void detach();

    /// Loads the state file (at start). Returns the proxy sessions saved with it.
    nlohmann::json restore();
    /// The proxy sessions to save with the clients (ProxyServer calls this on each change).
    void set_sessions(nlohmann::json sessions);

    // ---- the proxy protocol's commands ------------------------------------------------------
    struct Created {
        std::string id;
        uint32_t bitrate = 0;
        std::string sid;
    };
    Result<Created, ClientError> create_publisher(const std::string& owner, const std::string& sid,
                                                  const PublisherSettings& settings);
    Result<Created, ClientError> create_subscriber(const std::string& owner, const std::string& publisher_id,
                                                   const std::string& stream_type);
    /// Deletes a client (a publisher takes its subscribers along, each reported closed).
    bool remove(const std::string& client_id);
    /// Every client of `owner` (a proxy session that ended).
    void remove_owned_by(const std::string& owner);
    [[nodiscard]] bool exists(const std::string& client_id) const { return clients_.count(client_id) != 0; }
    [[nodiscard]] bool owned_by(const std::string& client_id, const std::string& owner) const;
    [[nodiscard]] nlohmann::json publisher_streams(const std::string& client_id) const;

    // ---- payloads -----------------------------------------------------------------------------
    /// A publisher's offer; returns tern's answer SDP.
    Result<std::string, ClientError> offer(const std::string& client_id, const std::string& sdp);
    /// tern's offer to a subscriber (requestoffer / sendoffer).
    Result<std::string, ClientError> request_offer(const std::string& client_id);
    /// A subscriber's answer.
    Result<bool, ClientError> answer(const std::string& client_id, const std::string& sdp);
    /// selectStream: a subscriber's simulcast layer (`substream`, 0 = lowest) or video off.
    Result<bool, ClientError> select_stream(const std::string& client_id, const nlohmann::json& payload);
    /// A trickled candidate: checked and counted; tern (ICE-lite) needs none.
    Result<bool, ClientError> candidate(const std::string& client_id, const nlohmann::json& payload);

    // ---- data plane -----------------------------------------------------------------------------
    void on_punt(const shm::RingMessage& m, uint64_t now_ms);
    void on_transport_up(const shm::RingMessage& m);
    /// Consent expired on the data plane (the browser went away without a word): the client is
    /// closed and reported (publisher-closed / subscriber-closed).
    void on_transport_down(const shm::RingMessage& m);
    /// A publisher's audio track started or stopped carrying speech (its audio level).
    void on_speaking(const shm::RingMessage& m);
    /// DTLS retransmissions and handshake timeouts.
    void tick(uint64_t now_ms);

    [[nodiscard]] nlohmann::json stats() const;
    /// Sum of the clients' bitrates in kbit/s: the load reported to signaling servers.
    [[nodiscard]] uint64_t load() const;

private:
    struct Client {
        std::string id;
        std::string owner;
        bool publisher = false;
        std::string stream_type;
        std::string sid;
        uint32_t bitrate = 0;
        uint64_t transport = 0;
        uint32_t worker = 0;
        uint16_t udp_port = 0;  // its own port (services.transport_ports), 0: the worker's media port
        std::string ufrag, pwd;
        std::string remote_ufrag, remote_fingerprint;  // from the last remote description
        uint64_t sdp_version = 1;
        std::unique_ptr<DtlsSession> dtls;
        std::string app_mid;                 // the data channel section, when negotiated
        std::unique_ptr<DataChannels> data;  // its SCTP association, once DTLS is up
        std::vector<std::string> labels;     // publisher: channels it opened (forwarded by label)
        std::vector<std::vector<std::byte>> early;  // DTLS that came before the remote description
        uint64_t dtls_started_ms = 0;
        bool keys_sent = false;
        bool ice_reported = false;
        bool up = false;
        // publisher
        std::vector<RemoteSection> sections;  // accepted tracks
        std::vector<uint32_t> tracks;         // data plane track per section
        bool speaking = false;                // its audio, by the data plane's level detection
        std::string video_pref;
        // subscriber
        std::string publisher_id;
        std::vector<OutgoingTrack> outgoing;
    };

    Result<Client*, ClientError> find(const std::string& id, bool publisher);
    /// The client whose transport an event names (its payload read into `e`), or null.
    template <class Event>
    Client* client_of(const shm::RingMessage& m, Event& e);
    /// A subscriber and its publisher (an error when either is gone).
    Result<std::pair<Client*, const Client*>, ClientError> find_subscriber(const std::string& id);
    bool install_transport(Client& c);
    /// With services.transport_ports: a free port of `worker`'s slice for a new transport (0
    /// when that slice is used up, or without the option).
    uint16_t take_port(uint32_t worker);
    /// The worker for a new subscriber of `pub`: the publisher's while it sends fewer than
    /// streams_per_lcore streams, else the least loaded one.
    uint32_t place_subscriber(const Client& pub) const;
    /// A subscriber on another worker than its publisher gets track `i` of it relayed: the
    /// layers as relayed publications on its worker, the relay on the publisher's.
    bool relay_track(const Client& sub, const Client& pub, std::size_t i);
    /// After a subscriber left: stops relays to its worker that no other subscriber there needs.
    void release_relays(const Client& sub);
    /// The layer a new subscription starts on: the second best of a simulcast track (sent even
    /// under a tight budget), else the only one.
    static int default_layer(const RemoteSection& s) {
        return s.rids.size() >= 2 ? static_cast<int>(s.rids.size()) - 2 : 0;
    }
    void start_dtls(Client& c, const std::string& remote_fingerprint);
    /// New local ICE credentials for a running client (the data plane keeps its media path).
    bool restart_ice(Client& c);
    void dtls_progress(Client& c);
    void start_data_channels(Client& c);
    /// A message on a publisher's data channel goes to its subscribers' channel of that label.
    void forward_data(const Client& pub, const DataChannels::Channel& ch, ByteSpan data, bool binary);
    LocalParams local_params(const Client& c) const;
    void drop(const std::string& id, bool report);
    template <class T>
    bool command(uint32_t worker, shm::MsgType type, const T& cmd);
    /// Writes the state file (atomically: temporary file, then rename).
    void save();
    nlohmann::json client_json(const Client& c) const;
    std::unique_ptr<Client> client_from(const nlohmann::json& j) const;

    const Config& cfg_;
    const Logger& log_;
    std::shared_ptr<DtlsIdentity> identity_;
    Events events_;
    DataplaneClient* dp_ = nullptr;
    uint64_t generation_ = 1;
    uint64_t next_transport_ = 1;
    uint32_t next_track_ = 1;
    uint32_t next_worker_ = 0;
    std::map<std::string, std::unique_ptr<Client>> clients_;
    std::map<uint64_t, Client*> by_transport_;
    std::vector<LocalCandidate> addresses_;  // without ports
    uint64_t instance_ = 0;                  // of the data plane the clients live on
    nlohmann::json sessions_ = nlohmann::json::array();
    uint64_t restored_ = 0;
    std::vector<std::pair<uint64_t, uint32_t>> stale_;  // restored half-made transports (id, worker)
    struct Counts {
        uint64_t publishers_created = 0, subscribers_created = 0, offers = 0, answers = 0;
        uint64_t dtls_connected = 0, dtls_failed = 0, dtls_in = 0, dtls_out = 0, dtls_unknown = 0, candidates = 0;
        uint64_t data_channels_up = 0, data_messages_in = 0, data_messages_out = 0, ice_restarts = 0;
        uint64_t speech_starts = 0;
        uint64_t consent_expired = 0;
    } n_;
};

}  // namespace tern::cp
