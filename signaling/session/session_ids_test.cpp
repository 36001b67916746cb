// Session ids: both kinds read back to their parts, neither can be forged, swapped or read under
// another cluster's key, and public ids do not sort by serial.
#include "signaling/session/session_ids.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern;
using namespace tern::sig;

namespace {

const std::string kKey(32, 'k');
const std::string kOtherKey(32, 'o');

SessionIds ids(const std::string& key = kKey, uint16_t node = 7) {
    return SessionIds{as_bytes(key.data(), key.size()), node};
}

}  // namespace

TEST_CASE("session ids: both kinds read back to node, serial and creation time",
          "[signaling][session]") {
    const auto s = ids();
    const auto pair = s.issue(42, 1'700'000'000'000'000, 0x0123456789abcdefULL);
    CHECK(pair.public_id.size() == SessionIds::kIdLen);
    CHECK(pair.resume_id.size() == SessionIds::kIdLen);
    CHECK(pair.public_id != pair.resume_id);
    for (const auto& id : {pair.public_id, pair.resume_id}) {
        for (char c : id) {
            INFO(id);
            CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
        }
    }
    const auto pub = s.read_public(pair.public_id);
    REQUIRE(pub);
    CHECK(pub->node == 7);
    CHECK(pub->serial == 42);
    CHECK(pub->created_us == 1'700'000'000'000'000);
    const auto res = s.read_resume(pair.resume_id);
    REQUIRE(res);
    CHECK(res->serial == 42);
    // Another node of the same cluster reads them too (it routes a resume to node 7).
    CHECK(ids(kKey, 9).read_resume(pair.resume_id)->node == 7);
}

TEST_CASE("session ids: forged, swapped, foreign and malformed ids are refused",
          "[signaling][session]") {
    const auto s = ids();
    const auto pair = s.issue(1, 2, 3);
    CHECK_FALSE(s.read_public(pair.resume_id));  // a resume id is not a public id
    CHECK_FALSE(s.read_resume(pair.public_id));  // and knowing the public id gives no resume id
    CHECK_FALSE(ids(kOtherKey).read_public(pair.public_id));
    CHECK_FALSE(ids(kOtherKey).read_resume(pair.resume_id));
    for (std::size_t i = 0; i < pair.resume_id.size(); ++i) {
        std::string forged = pair.resume_id;
        forged[i] = forged[i] == 'A' ? 'B' : 'A';
        INFO(i);
        CHECK_FALSE(s.read_resume(forged));
    }
    const std::string shortened = pair.resume_id.substr(1);
    for (std::string_view bad :
         {std::string_view{}, std::string_view{"abc"}, std::string_view{"...."},
          std::string_view{"a|b"}, std::string_view{shortened}}) {
        CHECK_FALSE(s.read_resume(bad));
        CHECK_FALSE(s.read_public(bad));
    }
    CHECK_FALSE(s.read_resume(pair.resume_id + "A"));
}

TEST_CASE("session ids: public ids of consecutive sessions do not sort by serial",
          "[signaling][session]") {
    const auto s = ids();
    // The random part leads the public id: with different randoms the order follows them, not the
    // serial; with equal randoms the reversed serial still changes the first characters.
    const auto a = s.issue(1, 100, 0x1111111111111111ULL).public_id;
    const auto b = s.issue(2, 100, 0x1111111111111111ULL).public_id;
    CHECK(a.substr(0, 11) == b.substr(0, 11));  // the random part, equal here
    CHECK(a != b);
    const auto c = s.issue(3, 100, 0x0000000000000001ULL).public_id;
    CHECK(c < a);  // a later serial can sort first
}
