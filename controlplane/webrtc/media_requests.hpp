// What MediaSessions is asked to do, as typed requests. The proxy server reads them out of the
// MCU proxy protocol's JSON (controlplane/proxy/proxy_requests.hpp); the media logic never sees
// JSON. Refusals come back as ClientError, which the proxy server turns into the protocol's
// error message in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::cp {

/// A refusal in the proxy protocol's terms.
struct ClientError {
    std::string code;  // bad_request, unknown_client, unsupported_payload, timeout, ...
    std::string message;
};

/// command create-publisher.
struct CreatePublisher {
    std::string sid;                    // the signaling server's id for the stream
    std::string stream_type = "video";  // video (camera) or screen
    uint32_t bitrate = 0;               // bit/s; 0 = the configured cap
    uint32_t media_types = 0;           // 1 audio | 2 video | 4 screen
    std::string video_codec;            // preferred, optional ("vp8", "vp9,h264"...)
};

/// command create-subscriber (remote streams are refused before this).
struct CreateSubscriber {
    std::string publisher_id;
    std::string stream_type;  // empty: whatever the publisher publishes
};

/// command delete-publisher / delete-subscriber.
struct DeleteClient {
    std::string client_id;
};

/// command get-publisher-streams.
struct GetPublisherStreams {
    std::string client_id;
};

/// payload offer, from a publisher: its SDP.
struct PublisherOffer {
    std::string client_id;
    std::string sdp;
};

/// payload requestoffer / sendoffer: tern's offer to a subscriber.
struct RequestOffer {
    std::string client_id;
};

/// payload answer, from a subscriber: its SDP.
struct SubscriberAnswer {
    std::string client_id;
    std::string sdp;
};

/// payload candidate: one trickled candidate line (empty when the payload carried none).
struct Candidate {
    std::string client_id;
    std::string line;
};

/// payload endOfCandidates.
struct EndOfCandidates {
    std::string client_id;
};

/// payload selectStream: a subscriber's simulcast layer, or its video paused.
struct SelectStream {
    std::string client_id;
    std::optional<int> substream;  // 0 = the lowest layer; none: the default layer
    bool video = true;             // false pauses the subscriber's video
    std::optional<int> temporal;   // the highest temporal layer (VP8); none: all
};

// ---- replies ----------------------------------------------------------------------------------

/// A publisher or subscriber made by create_publisher / create_subscriber.
struct Created {
    std::string id;
    uint32_t bitrate = 0;  // bit/s
    std::string sid;
};

/// One published track, for get-publisher-streams.
struct PublishedStream {
    std::string mid;
    int mindex = 0;
    bool audio = false;  // else video
    std::string codec;
    bool simulcast = false;
};

}  // namespace tern::cp
