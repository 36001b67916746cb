// libFuzzer target: any body through the backend room request parser. Must never crash; the JSON
// it keeps for forwarding (properties, data, participant objects, details, options) must be valid
// JSON again, and so must every participant as write_participant rewrites it.
#include "signaling/api/backend_room_request_parser.hpp"
#include "signaling/api/must_be_json_fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace tern::sig::api;

using tern::sig::fuzz::must_be_json;

void check_participants(const std::vector<Participant>& list) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& p : list) {
        must_be_json(p.object);
        write_participant(w, p, "S\"\\");
    }
    w.end_array();
    if (!w.complete()) {
        std::abort();
    }
    must_be_json(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    auto r = parse_backend_room_request({reinterpret_cast<const char*>(data), size});
    if (!r) {
        return 0;
    }
    std::visit(
        [](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, RoomInvite> || std::is_same_v<T, RoomDisinvite> ||
                          std::is_same_v<T, RoomUpdate>) {
                must_be_json(body.properties);
            } else if constexpr (std::is_same_v<T, RoomInCall> ||
                                 std::is_same_v<T, RoomParticipants>) {
                check_participants(body.changed);
                check_participants(body.users);
            } else if constexpr (std::is_same_v<T, RoomMessage>) {
                must_be_json(body.data);
            } else if constexpr (std::is_same_v<T, RoomSwitchTo>) {
                for (const auto& [id, details] : body.sessions) {
                    must_be_json(details);
                }
            } else if constexpr (std::is_same_v<T, RoomDialout>) {
                must_be_json(body.options);
            }
        },
        *r);
    return 0;
}
