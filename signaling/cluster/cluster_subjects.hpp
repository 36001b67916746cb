// The NATS subjects of the cluster bus, shaped like the reference server's (protocol brief §7):
//   session.<public id>             one session, subscribed by the node that owns it
//   user.<key>                      one user's sessions, by every node that has one
//   room.<key>                      one room's members, by every node that has one
//   backend.room.<key>              a backend's request for a room, by every node with a member
//   backend.users                   a backend's request that names users, by every node
//   roomsessions                    a Talk room session id taken by a joiner, by every node
// where <key> is base64url("<id>|<backend id>") (the reference uses standard base64; tern's
// payloads differ from the reference's anyway, so the two never share a bus). Public ids are
// base64url already.
#pragma once

#include <string>
#include <string_view>

namespace tern::sig::cluster {

[[nodiscard]] std::string session_subject(std::string_view public_id);
[[nodiscard]] std::string user_subject(std::string_view backend, std::string_view user_id);
[[nodiscard]] std::string room_subject(std::string_view backend, std::string_view room_id);
[[nodiscard]] std::string backend_room_subject(std::string_view backend, std::string_view room_id);
/// A backend's request that addresses users (invite, disinvite, update, delete name user ids):
/// subscribed by every node, since a user's sessions may be on any node and in no room.
[[nodiscard]] std::string backend_users_subject();
/// Joins with a Talk room session id (RoomSessionClaimed): subscribed by every node, since the
/// session that held the id before may be on any node.
[[nodiscard]] std::string room_sessions_subject();

}  // namespace tern::sig::cluster
