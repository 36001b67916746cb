#include "controlplane/proxy/proxy_requests.hpp"

namespace tern::cp {

namespace {

using nlohmann::json;

/// Runs `read` and turns a field of the wrong type (nlohmann's type_error) into bad_request.
template <class T, class F>
Result<T, ClientError> reading(F&& read) {
    try {
        return read();
    } catch (const json::exception& e) {
        return unexpected(
            ClientError{"bad_request", std::string("malformed message: ") + e.what()});
    }
}

}  // namespace

Result<Hello, ClientError> parse_hello(const json& msg) {
    return reading<Hello>([&]() -> Result<Hello, ClientError> {
        const json h = msg.value("hello", json::object());
        if (!h.is_object() || h.value("version", "") != "1.0") {
            return unexpected(ClientError{"bad_request", "hello needs version 1.0"});
        }
        Hello out;
        if (h.contains("resumeid") && h["resumeid"].is_string()) {
            out.resume_id = h["resumeid"].get<std::string>();
        }
        if (out.resume_id.empty()) {
            out.token = h.value("token", "");
        }
        return out;
    });
}

Result<ProxyCommand, ClientError> parse_command(const json& c) {
    return reading<ProxyCommand>([&]() -> Result<ProxyCommand, ClientError> {
        const std::string type = c.value("type", "");
        if (type == "create-publisher") {
            CreatePublisher p;
            p.stream_type = c.value("streamType", "video");
            const json settings = c.value("publisherSettings", json::object());
            p.bitrate = settings.value("bitrate", c.value("bitrate", 0U));
            p.media_types = settings.value("mediatypes", c.value("mediatypes", 0U));
            p.video_codec = settings.value("videocodec", "");
            p.sid = c.value("sid", "");
            return ProxyCommand{std::move(p)};
        }
        if (type == "create-subscriber") {
            if (!c.value("remoteUrl", "").empty()) {
                return unexpected(
                    ClientError{"unsupported_subscriber", "remote streams are not supported"});
            }
            return ProxyCommand{
                CreateSubscriber{c.value("publisherId", ""), c.value("streamType", "")}};
        }
        if (type == "delete-publisher" || type == "delete-subscriber") {
            return ProxyCommand{DeleteClient{c.value("clientId", "")}};
        }
        if (type == "get-publisher-streams") {
            return ProxyCommand{GetPublisherStreams{c.value("clientId", "")}};
        }
        if (type == "publish-remote" || type == "unpublish-remote") {
            return unexpected(
                ClientError{"unsupported_subscriber", "remote streams are not supported"});
        }
        return unexpected(ClientError{"bad_request", "unknown command '" + type + "'"});
    });
}

Result<PayloadHeader, ClientError> parse_payload_header(const json& p) {
    return reading<PayloadHeader>([&]() -> Result<PayloadHeader, ClientError> {
        return PayloadHeader{p.value("type", ""), p.value("clientId", "")};
    });
}

Result<ProxyPayload, ClientError> parse_payload(const PayloadHeader& h, const json& p) {
    return reading<ProxyPayload>([&]() -> Result<ProxyPayload, ClientError> {
        const json inner = p.value("payload", json::object());
        const std::string& id = h.client_id;
        if (h.type == "offer") {
            return ProxyPayload{
                PublisherOffer{id, inner.is_object() ? inner.value("sdp", "") : ""}};
        }
        if (h.type == "requestoffer" || h.type == "sendoffer") {
            return ProxyPayload{RequestOffer{id}};
        }
        if (h.type == "answer") {
            return ProxyPayload{
                SubscriberAnswer{id, inner.is_object() ? inner.value("sdp", "") : ""}};
        }
        if (h.type == "candidate") {
            // {"candidate": {"candidate": "candidate:..."}}, {"candidate": "candidate:..."}, or the
            // candidate object itself.
            const json& c = inner.contains("candidate") ? inner["candidate"] : inner;
            return ProxyPayload{Candidate{id, c.is_object()   ? c.value("candidate", "")
                                              : c.is_string() ? c.get<std::string>()
                                                              : ""}};
        }
        if (h.type == "endOfCandidates") {
            return ProxyPayload{EndOfCandidates{id}};
        }
        if (h.type == "selectStream") {
            SelectStream s{id, std::nullopt, true};
            s.video = !inner.contains("video") || !inner["video"].is_boolean() ||
                      inner["video"].get<bool>();
            if (inner.contains("substream") && inner["substream"].is_number_integer()) {
                s.substream = inner["substream"].get<int>();
            }
            if (inner.contains("temporal") && inner["temporal"].is_number_integer()) {
                s.temporal = inner["temporal"].get<int>();
            }
            return ProxyPayload{std::move(s)};
        }
        return unexpected(
            ClientError{"unsupported_payload", "unknown payload type '" + h.type + "'"});
    });
}

}  // namespace tern::cp
