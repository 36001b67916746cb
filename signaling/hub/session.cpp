#include "signaling/hub/session.hpp"

#include <algorithm>

namespace tern::sig {

void FrameQueue::push(std::string frame) {
    bytes_ += frame.size();
    frames_.push_back(std::move(frame));
    while (frames_.size() > 1 && (frames_.size() > kMaxFrames || bytes_ > max_bytes_)) {
        bytes_ -= frames_.front().size();
        frames_.pop_front();
        ++dropped_;
    }
}

void FrameQueue::replay(ConnId conn, Effects& fx) {
    for (std::string& f : frames_) {
        fx.send(conn, std::move(f));
    }
    frames_.clear();
    bytes_ = 0;
}

bool Session::has_feature(std::string_view f) const {
    return std::find(features.begin(), features.end(), f) != features.end();
}

bool Session::may(std::string_view permission) const {
    if (!permissions) {
        return permission != "hide-displaynames";
    }
    return std::find(permissions->begin(), permissions->end(), permission) != permissions->end();
}

}  // namespace tern::sig
