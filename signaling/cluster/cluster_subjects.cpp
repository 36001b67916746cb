#include "signaling/cluster/cluster_subjects.hpp"

#include "common/base64url.hpp"

namespace tern::sig::cluster {

namespace {

std::string keyed(std::string_view prefix, std::string_view id, std::string_view backend) {
    std::string key(id);
    key += '|';
    key += backend;
    return std::string(prefix) + base64url_encode(key);
}

}  // namespace

std::string session_subject(std::string_view public_id) {
    return "session." + std::string(public_id);
}

std::string user_subject(std::string_view backend, std::string_view user_id) {
    return keyed("user.", user_id, backend);
}

std::string room_subject(std::string_view backend, std::string_view room_id) {
    return keyed("room.", room_id, backend);
}

std::string backend_room_subject(std::string_view backend, std::string_view room_id) {
    return keyed("backend.room.", room_id, backend);
}

std::string backend_users_subject() {
    return "backend.users";
}

std::string room_sessions_subject() {
    return "roomsessions";
}

}  // namespace tern::sig::cluster
