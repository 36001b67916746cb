// The `data` of a client message as the server reads it when an SFU is configured
// (signaling-protocol.md §3.6): {type, sid, roomType, payload, bitrate, audiocodec, videocodec,
// vp9profile, h264profile}, checked as the reference server checks it (type present, roomType
// known, SDP in offers and answers, a candidate in candidates), and the data of what the SFU
// sends back to a client (answer, offer, candidate).
#pragma once

#include "signaling/api/client_request.hpp"
#include "signaling/api/error_code.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::api {

struct SfuMessageData {
    std::string type;       // offer, answer, candidate, requestoffer, sendoffer, selectStream, ...
    std::string sid;        // the client's id for this negotiation
    std::string room_type;  // "", audio, video, screen
    RawJson payload;        // the payload object, "" when absent
    std::string sdp;        // payload.sdp (offer, answer)
    RawJson candidate;      // payload.candidate, the whole object (candidate)
    uint64_t bitrate = 0;   // offer: the bitrate the client asks for, 0 for none
    std::string audio_codec;
    std::string video_codec;
    std::string vp9_profile;
    std::string h264_profile;
};

struct SfuDataError {
    ErrorCode code = ErrorCode::InvalidFormat;
    std::string message;
};

/// What reading `data` gave: nullopt when it is not SFU data at all (not an object, or members
/// of other types, as in opaque Talk payloads): such messages are delivered unchanged.
struct SfuDataParse {
    std::optional<SfuMessageData> data;
    std::optional<SfuDataError> error;  // SFU data that fails the checks: answered with this
};

SfuDataParse parse_sfu_message_data(std::string_view data);

/// {"to":to,"from":from,"type":type,"roomType":room_type,"sid":sid,"payload":payload}: the data
/// of an SFU answer, offer or candidate for a client (`payload` is JSON text).
std::string write_sfu_data(std::string_view to, std::string_view from, std::string_view type,
                           std::string_view room_type, std::string_view sid,
                           std::string_view payload);

}  // namespace tern::sig::api
