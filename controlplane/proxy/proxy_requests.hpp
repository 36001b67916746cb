// The MCU proxy protocol's requests, read out of their JSON into the typed requests MediaSessions
// takes (controlplane/webrtc/media_requests.hpp). This is the only place the protocol's request
// fields are read; every function is total: a missing field takes the protocol's default, a
// field of the wrong type or an unknown command is a ClientError, which ProxyServer turns into
// the protocol's error message.
#pragma once

#include "common/result.hpp"
#include "controlplane/webrtc/media_requests.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace tern::cp {

/// hello: a new session (token) or the resumption of one (resume_id non-empty).
struct Hello {
    std::string token;
    std::string resume_id;
};
Result<Hello, ClientError> parse_hello(const nlohmann::json& msg);

/// The object of a `command` message.
using ProxyCommand =
    std::variant<CreatePublisher, CreateSubscriber, DeleteClient, GetPublisherStreams>;
Result<ProxyCommand, ClientError> parse_command(const nlohmann::json& command);

/// Whom a `payload` message is for and what it is; read first, so that a payload for an
/// unknown client is refused as such whatever it carries.
struct PayloadHeader {
    std::string
        type;  // offer, requestoffer, sendoffer, answer, candidate, endOfCandidates, selectStream
    std::string client_id;
};
Result<PayloadHeader, ClientError> parse_payload_header(const nlohmann::json& payload);

/// The object of a `payload` message, by its header's type.
using ProxyPayload = std::variant<PublisherOffer, RequestOffer, SubscriberAnswer, Candidate,
                                  EndOfCandidates, SelectStream>;
Result<ProxyPayload, ClientError> parse_payload(const PayloadHeader& header,
                                                const nlohmann::json& payload);

}  // namespace tern::cp
