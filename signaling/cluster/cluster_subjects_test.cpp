#include "common/base64url.hpp"
#include "signaling/cluster/cluster_subjects.hpp"

#include <catch2/catch.hpp>

namespace tern::sig::cluster {

TEST_CASE("cluster subjects: the reference server's shape, one token per id",
          "[signaling][cluster]") {
    CHECK(session_subject("AbC-_9") == "session.AbC-_9");
    const std::string room = room_subject("nc", "a.b*c>");
    REQUIRE(room.starts_with("room."));
    // The key is one subject token whatever the room id holds ('.', '*', '>' are NATS syntax).
    const std::string key = room.substr(5);
    CHECK(key.find_first_of(".*> ") == std::string::npos);
    CHECK(*base64url_decode(key) == "a.b*c>|nc");
    CHECK(user_subject("nc", "alice") == "user." + base64url_encode("alice|nc"));
    CHECK(backend_room_subject("nc", "r") == "backend.room." + base64url_encode("r|nc"));
    // Backends with the same room token are apart.
    CHECK(room_subject("nc", "r") != room_subject("nc2", "r"));
}

}  // namespace tern::sig::cluster
