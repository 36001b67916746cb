// The SFU's part of `message` (signaling-protocol.md §3.6) when [mcu] is configured: a client's
// offer, answer, candidate, requestoffer, sendoffer, selectStream and unshareScreen go to the MCU
// client (signaling/mcu/) instead of another session, and its results come back as Talk frames:
// the SFU's answer to a publisher "from" itself, offers and candidates for a subscriber with the
// publisher as sender, failures as client_not_found or processing_failed.
#include "common/overloaded.hpp"
#include "signaling/api/event_messages.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/api/sfu_message_data.hpp"
#include "signaling/hub/hub.hpp"

#include <algorithm>

namespace tern::sig {

namespace {

/// unshareScreen: the screen publisher closes this long after (Firefox leaves it open).
constexpr uint64_t kUnshareScreenDelayUs = 1'000'000;

/// Media types of a publisher (§6.2 create-publisher): screen, else audio and video as the
/// offer's m-lines say.
uint32_t media_types(std::string_view stream, std::string_view sdp) {
    uint32_t t = stream == "screen" ? 4U : 0U;
    if (sdp.find("m=audio") != std::string_view::npos) {
        t |= 1U;
    }
    if (stream != "screen" && sdp.find("m=video") != std::string_view::npos) {
        t |= 2U;
    }
    return t;
}

/// §6: the requested bitrate capped at the backend's maximum (or that maximum when none was
/// requested), then at the SFU's.
uint64_t capped_bitrate(uint64_t requested, uint64_t backend_max, uint64_t sfu_max) {
    uint64_t b = requested;
    if (backend_max != 0 && (b == 0 || b > backend_max)) {
        b = backend_max;
    }
    if (sfu_max != 0 && (b == 0 || b > sfu_max)) {
        b = sfu_max;
    }
    return b;
}

std::string stream_of(const api::SfuMessageData& d) {
    return d.room_type.empty() ? std::string("video") : d.room_type;
}

/// The payload of an SDP message to a client: {"type": TYPE, "sdp": SDP}.
std::string sdp_payload(std::string_view type, std::string_view sdp) {
    std::string out;
    api::JsonWriter(out).begin_object().field("type", type).field("sdp", sdp).end_object();
    return out;
}

}  // namespace

bool Hub::intercept_for_sfu(Session& s, const std::string& id, const api::MessageRequest& m,
                            uint64_t now_us, Effects& fx) {
    api::SfuDataParse parsed = api::parse_sfu_message_data(m.data);
    auto error = [&](api::ErrorCode code, std::string_view message) {
        std::string out;
        api::write_error(out, id, code, message);
        send_to_session(s, std::move(out), fx);
    };
    if (parsed.error) {
        error(parsed.error->code, parsed.error->message);
        return true;
    }
    if (!parsed.data) {
        return false;
    }
    api::SfuMessageData& d = *parsed.data;
    const std::string& to = m.recipient.session_id;
    const bool to_self = to == s.public_id;
    const std::string stream = stream_of(d);
    const bool may_publish =
        stream == "screen"
            ? s.may("publish-screen")
            : s.may("publish-media") || s.may("publish-audio") || s.may("publish-video");
    auto ask = [&](const mcu::StreamRef& ref) {
        mcu_askers_[{ref.session, ref.publisher, ref.stream}] = McuAsker{s.public_id, id};
    };
    if (d.type == "offer") {
        if (!may_publish) {
            error(api::ErrorCode::NotAllowed, "Not allowed to publish.");
            return true;
        }
        const BackendConfig* b =
            s.backend < cfg_.backends.size() ? &cfg_.backends[s.backend] : nullptr;
        const bool screen = stream == "screen";
        mcu::PublisherSettings settings;
        settings.bitrate = capped_bitrate(
            d.bitrate, b == nullptr ? 0 : (screen ? b->max_screen_bitrate : b->max_stream_bitrate),
            screen ? cfg_.mcu.max_screen_bitrate : cfg_.mcu.max_stream_bitrate);
        settings.media_types = media_types(stream, d.sdp);
        settings.audio_codec = d.audio_codec;
        settings.video_codec = d.video_codec;
        settings.vp9_profile = d.vp9_profile;
        settings.h264_profile = d.h264_profile;
        const mcu::StreamRef ref{s.public_id, s.public_id, stream, d.sid};
        ask(ref);
        apply_mcu(mcu_->publish(ref, settings, std::move(d.sdp), now_us,
                                s.in_room() ? room_key(s.backend, s.room_id) : std::string()),
                  fx);
        return true;
    }
    if (d.type == "requestoffer" || d.type == "sendoffer") {
        if (to_self) {
            return true;  // no offer from oneself
        }
        Session* peer = find_session(to);
        const bool sendoffer = d.type == "sendoffer";
        if (sendoffer && !may_publish) {
            error(api::ErrorCode::NotAllowed, "Not allowed to send offer");
            return true;
        }
        // Both in the same room and in the call (internal clients count as in it).
        auto in_call = [](const Session& x) {
            return x.type == ClientType::Internal || (x.in_call & kInCall) != 0;
        };
        // A publisher on another shard of this process: publishing in this room (it stops when
        // it leaves the call) is what its directory entry says.
        const bool shared_peer = [&] {
            if (peer != nullptr || sendoffer || !s.in_room() || !in_call(s)) {
                return false;
            }
            const auto pub = mcu_->shared_publisher(to, stream);
            return pub && pub->scope == room_key(s.backend, s.room_id);
        }();
        if (!shared_peer && (peer == nullptr || peer->backend != s.backend || !s.in_room() ||
                             peer->room_id != s.room_id || !in_call(s) || !in_call(*peer))) {
            if (sendoffer) {
                error(api::ErrorCode::ClientNotFound, "No MCU client found to send message to.");
            } else {
                error(api::ErrorCode::NotAllowed, "Not allowed to request offer.");
            }
            return true;
        }
        // sendoffer: the recipient subscribes to the sender's stream.
        const mcu::StreamRef ref = sendoffer ? mcu::StreamRef{to, s.public_id, stream, d.sid}
                                             : mcu::StreamRef{s.public_id, to, stream, d.sid};
        ask(ref);
        apply_mcu(mcu_->request_offer(ref, now_us), fx);
        return true;
    }
    if (d.type == "answer") {
        const mcu::StreamRef ref{s.public_id, to, stream, d.sid};
        ask(ref);
        apply_mcu(mcu_->answer(ref, d.sdp, now_us), fx);
        return true;
    }
    if (d.type == "candidate") {
        if (to_self && !may_publish) {
            error(api::ErrorCode::NotAllowed, "Not allowed to send candidate.");
            return true;
        }
        const mcu::StreamRef ref{s.public_id, to, stream, d.sid};
        ask(ref);
        apply_mcu(mcu_->candidate(ref, std::move(d.candidate), now_us), fx);
        return true;
    }
    if (d.type == "selectStream") {
        if (to_self) {
            return true;
        }
        const mcu::StreamRef ref{s.public_id, to, stream, d.sid};
        ask(ref);
        apply_mcu(mcu_->select_stream(ref, d.payload.empty() ? "{}" : d.payload, now_us), fx);
        return true;
    }
    if (d.type == "endOfCandidates") {
        return true;
    }
    if (d.type == "unshareScreen" && to_self) {
        timers_.push(
            Timer{now_us + kUnshareScreenDelayUs, TimerKind::UnshareScreen, 0, s.public_id, {}});
        return true;
    }
    return false;  // mute, nickChanged, ...: delivered as usual
}

void Hub::apply_mcu(mcu::McuEffects&& mfx, Effects& fx) {
    for (auto& o : mfx.opens) {
        fx.proxy_opens.push_back(std::move(o));
    }
    for (auto& c : mfx.closes) {
        fx.proxy_closes.push_back(c);
    }
    for (auto& f : mfx.frames) {
        fx.proxy_frames.push_back(std::move(f));
    }
    auto deliver = [&](const std::string& to, const std::string& from, std::string_view user_id,
                       const std::string& data) {
        Session* target = find_session(to);
        if (target == nullptr) {
            return;
        }
        std::string out;
        api::write_message_delivery(out, false, {"session", from, user_id}, data);
        send_to_session(*target, std::move(out), fx);
    };
    for (mcu::McuResult& r : mfx.results) {
        std::visit(Overloaded{
                       [&](mcu::PublisherAnswer& a) {
                           const Session* self = find_session(a.ref.session);
                           deliver(a.ref.session, a.ref.session, self ? self->user_id : "",
                                   api::write_sfu_data(a.ref.session, a.ref.session, "answer",
                                                       a.ref.stream, a.ref.sid,
                                                       sdp_payload("answer", a.sdp)));
                       },
                       [&](mcu::SubscriberOffer& o) {
                           deliver(o.ref.session, o.ref.publisher, "",
                                   api::write_sfu_data(o.ref.session, o.ref.publisher, "offer",
                                                       o.ref.stream, o.ref.sid,
                                                       sdp_payload("offer", o.sdp)));
                       },
                       [&](mcu::SfuCandidate& c) {
                           std::string payload;
                           api::JsonWriter(payload)
                               .begin_object()
                               .raw_field("candidate", c.candidate)
                               .end_object();
                           deliver(c.ref.session, c.ref.publisher, "",
                                   api::write_sfu_data(c.ref.session, c.ref.publisher, "candidate",
                                                       c.ref.stream, c.ref.sid, payload));
                       },
                       [&](mcu::StreamClosed& c) {
                           // As the reference: the client is not told, the stream is forgotten.
                           mcu_askers_.erase({c.ref.session, c.ref.publisher, c.ref.stream});
                       },
                       [&](mcu::McuFailed& f) {
                           const auto it =
                               mcu_askers_.find({f.ref.session, f.ref.publisher, f.ref.stream});
                           const std::string asker =
                               it != mcu_askers_.end() ? it->second.session : f.ref.session;
                           const std::string msg_id =
                               it != mcu_askers_.end() ? it->second.message_id : std::string{};
                           Session* target = find_session(asker);
                           if (target == nullptr) {
                               return;
                           }
                           const bool not_found = f.failure == mcu::McuFailure::ClientNotFound ||
                                                  f.failure == mcu::McuFailure::NoProxy;
                           std::string out;
                           if (not_found) {
                               api::write_error(out, msg_id, api::ErrorCode::ClientNotFound,
                                                "No MCU client found to send message to.");
                           } else {
                               api::write_error(
                                   out, msg_id, api::ErrorCode::ProcessingFailed,
                                   "Processing of the message failed, please check server logs.");
                           }
                           send_to_session(*target, std::move(out), fx);
                       },
                   },
                   r);
    }
}

void Hub::release_media(const Session& s, uint64_t now_us, Effects& fx) {
    if (!mcu_) {
        return;
    }
    std::erase_if(mcu_askers_, [&](const auto& a) { return std::get<0>(a.first) == s.public_id; });
    apply_mcu(mcu_->remove_session(s.public_id, now_us), fx);
}

Effects Hub::on_proxy_open(std::size_t proxy, uint64_t now_us) {
    Effects fx;
    if (mcu_) {
        apply_mcu(mcu_->on_open(proxy, now_us), fx);
    }
    return fx;
}

Effects Hub::on_proxy_frame(std::size_t proxy, std::string_view frame, uint64_t now_us) {
    Effects fx;
    if (mcu_) {
        apply_mcu(mcu_->on_frame(proxy, frame, now_us), fx);
    }
    return fx;
}

Effects Hub::on_proxy_closed(std::size_t proxy, uint64_t now_us) {
    Effects fx;
    if (mcu_) {
        apply_mcu(mcu_->on_closed(proxy, now_us), fx);
    }
    return fx;
}

}  // namespace tern::sig
