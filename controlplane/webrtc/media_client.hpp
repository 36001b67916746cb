// One client of the MCU proxy protocol: a publisher (a browser sending its camera or screen) or
// a subscriber (a browser receiving one publisher), each one WebRTC transport on the data plane
// with its ICE credentials, DTLS handshake and data channels. MediaSessions owns them.
#pragma once

#include "common/shm/messages.hpp"
#include "controlplane/webrtc/data_channels.hpp"
#include "controlplane/webrtc/dtls.hpp"
#include "controlplane/webrtc/negotiation.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::cp {

struct MediaClient {
    std::string id;
    std::string owner;  // the proxy session that made it
    bool publisher = false;
    std::string stream_type;
    std::string sid;
    uint32_t bitrate = 0;
    uint64_t transport = 0;  // the data plane's id; transport % workers = worker
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
    /// A subscriber asked again (requestoffer) while its DTLS was up: until its answer (and the
    /// association after it) tells, the browser may come back on a new peer connection, with
    /// a new certificate and a new handshake.
    bool dtls_restartable = false;
    bool answered = false;  // the last offer's answer came
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
    uint64_t estimate_bps = 0;     // the data plane's bandwidth estimate towards it (0: none)
    shm::SfuEstimateEvt layers{};  // with what layer selection made of it (budget_bps 0: none)
};

/// The layer a new subscription starts on: the second best of a simulcast track (sent even
/// under a tight budget), else the only one.
inline int default_layer(const RemoteSection& s) {
    return std::max(0, layer_count(s) - 2);
}

}  // namespace tern::cp
