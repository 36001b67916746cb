// Chat v1 and reactions over the API: receive (history and the long poll: parked, woken by a
// post, 304 at the deadline), send (201), edit, delete, read markers, reactions; bad input for
// each with a clear OCS error and nothing stored.
#include "signaling/backend/rest/rest_test_support.hpp"

using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

namespace {

std::string chat(const std::string& token, const std::string& tail = {}) {
    return std::string(kChatApi) + token + tail;
}

std::string reaction(const std::string& token, int64_t id) {
    return "/ocs/v2.php/apps/spreed/api/v1/reaction/" + token + "/" + std::to_string(id);
}

/// The comments of a history page (system messages left out), oldest first.
std::vector<std::string> comments(RestFixture& f, const std::string& token) {
    const RestReply r = f.call("GET", chat(token, "?lookIntoFuture=0&limit=200"));
    std::vector<std::string> out;
    if (r.status != 200) {
        return out;
    }
    for (const auto& m : RestFixture::data(r)) {
        if (m["messageType"] == "comment") {
            out.insert(out.begin(), m["message"].get<std::string>());
        }
    }
    return out;
}

}  // namespace

TEST_CASE("rest chat: send answers 201 with the message; history pages newest first", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    // Matterbridge sends its parameters in the query string.
    const RestReply sent = f.call("POST", chat(token, "?message=hello%20there&referenceId=r1"));
    CHECK(sent.status == 201);
    const auto m = RestFixture::data(sent);
    CHECK(m["message"] == "hello there");
    CHECK(m["actorId"] == "alice");
    CHECK(m["actorType"] == "users");
    CHECK(m["referenceId"] == "r1");
    CHECK(m["token"] == token);
    const int64_t id = m["id"];

    const RestReply reply =
        f.call("POST", chat(token), "message=welcome&replyTo=" + std::to_string(id), f.bob);
    CHECK(reply.status == 201);
    CHECK(RestFixture::data(reply)["parent"]["id"] == id);

    const RestReply history = f.call("GET", chat(token, "?lookIntoFuture=0"));
    CHECK(history.status == 200);
    const auto page = RestFixture::data(history);
    REQUIRE(page.size() >= 2);
    CHECK(page[0]["message"] == "welcome");
    CHECK(page[1]["message"] == "hello there");
    CHECK(std::stoll(RestFixture::header(history, "X-Chat-Last-Given")) ==
          page.back()["id"].get<int64_t>());
    CHECK(comments(f, token) == std::vector<std::string>{"hello there", "welcome"});
}

TEST_CASE("rest chat: bad sends are refused and nothing is stored", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    CHECK(f.call("POST", chat(token), "").status == 400);
    CHECK(f.call("POST", chat(token), "message=").status == 400);
    CHECK(f.call("POST", chat(token), "message=%20%20").status == 400);
    CHECK(f.call("POST", chat(token), "message=" + std::string(32001, 'x')).status == 413);
    CHECK(f.call("POST", chat(token), "message=hi&replyTo=x").status == 400);
    CHECK(f.call("POST", chat(token), "message=hi&replyTo=99999").status == 400);
    CHECK(f.call("POST", chat(token), "message=hi&silent=maybe").status == 400);
    CHECK(f.call("POST", chat(token), "message=hi", f.carol).status == 404);
    CHECK(f.call("POST", chat("zzzzzzzz"), "message=hi").status == 404);
    CHECK(comments(f, token).empty());
}

TEST_CASE("rest chat: a long poll parks, a post wakes it, the answer carries the message",
          "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const RestReply history = f.call("GET", chat(token, "?lookIntoFuture=0"));
    const int64_t last = std::stoll(RestFixture::header(history, "X-Chat-Last-Given"));
    const int64_t newest = RestFixture::data(history)[0]["id"];
    CHECK(last <= newest);

    RestRequest poll = f.request("GET", chat(token, "?lookIntoFuture=1&includeLastKnown=0&"
                                                    "timeout=30&lastKnownMessageId=" +
                                                        std::to_string(newest)));
    poll.authorization = f.bob;
    RestOutcome parked = f.outcome(poll);
    REQUIRE(std::holds_alternative<ParkedPoll>(parked));
    const ParkedPoll p = std::get<ParkedPoll>(parked);
    CHECK(p.deadline_us == f.now.us + 30'000'000);
    CHECK(f.service->waiters().size() == 1);

    const RestReply sent = f.call("POST", chat(token), "message=ping");
    REQUIRE(sent.status == 201);
    REQUIRE(sent.woken == std::vector<ChatWaiters::WaiterId>{p.waiter});
    CHECK(f.service->waiters().size() == 0);
    const RestReply answer = answer_parked(*f.service, p, f.now);
    CHECK(answer.status == 200);
    const auto got = RestFixture::data(answer);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["message"] == "ping");
    CHECK(RestFixture::header(answer, "X-Chat-Last-Given") ==
          std::to_string(got[0]["id"].get<int64_t>()));

    // The immediate re-poll from X-Chat-Last-Given parks again.
    RestRequest again =
        f.request("GET", chat(token, "?lookIntoFuture=1&lastKnownMessageId=" +
                                         RestFixture::header(answer, "X-Chat-Last-Given")));
    again.authorization = f.bob;
    RestOutcome second = f.outcome(again);
    REQUIRE(std::holds_alternative<ParkedPoll>(second));
    // Its deadline passes: 304, no body.
    const auto expired = f.service->waiters().expire(f.now.us + 31'000'000);
    REQUIRE(expired.size() == 1);
    const RestReply timeout = answer_parked(*f.service, std::get<ParkedPoll>(second), f.now);
    CHECK(timeout.status == 304);
    CHECK(timeout.body.empty());
}

TEST_CASE("rest chat: a long poll with newer messages answers at once; timeout=0 is 304",
          "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const RestReply now = f.call("GET", chat(token, "?lookIntoFuture=1&lastKnownMessageId=0"));
    CHECK(now.status == 200);
    CHECK_FALSE(RestFixture::data(now).empty());
    const std::string last = RestFixture::header(now, "X-Chat-Last-Given");
    const RestReply none =
        f.call("GET", chat(token, "?lookIntoFuture=1&timeout=0&lastKnownMessageId=" + last));
    CHECK(none.status == 304);
    CHECK(f.service->waiters().size() == 0);
}

TEST_CASE("rest chat: bad receive parameters are 400", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    for (const char* q :
         {"?lookIntoFuture=maybe", "?lastKnownMessageId=x", "?limit=0", "?limit=abc",
          "?timeout=soon", "?includeLastKnown=2", "?setReadMarker=x", "?lastKnownMessageId=-1"}) {
        INFO(q);
        const RestReply r = f.call("GET", chat(token, q));
        CHECK(r.status == 400);
        CHECK(RestFixture::ocs(r)["meta"]["status"] == "failure");
    }
    CHECK(f.service->waiters().size() == 0);
}

TEST_CASE("rest chat: edit and delete answer the system message with the message as parent",
          "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const int64_t id = RestFixture::data(f.call("POST", chat(token), "message=first"))["id"];
    const std::string path = chat(token, "/" + std::to_string(id));

    CHECK(f.call("PUT", path, "").status == 400);
    CHECK(f.call("PUT", path, "message=by%20bob", f.bob).status == 403);
    const RestReply edited = f.call("PUT", path, "message=second");
    CHECK(edited.status == 200);
    CHECK(RestFixture::data(edited)["systemMessage"] == "message_edited");
    CHECK(RestFixture::data(edited)["parent"]["message"] == "second");

    CHECK(f.call("DELETE", path, {}, f.bob).status == 403);
    CHECK(f.call("DELETE", chat(token, "/999999")).status == 404);
    CHECK(f.call("DELETE", chat(token, "/abc")).status == 404);
    CHECK(comments(f, token) == std::vector<std::string>{"second"});
    const RestReply deleted = f.call("DELETE", path);
    CHECK(deleted.status == 200);
    CHECK(RestFixture::data(deleted)["systemMessage"] == "message_deleted");
    CHECK(RestFixture::data(deleted)["parent"]["messageType"] == "comment_deleted");
    CHECK(comments(f, token).empty());
    // System messages are not comments: 405.
    const int64_t sys = RestFixture::data(deleted)["id"];
    CHECK(f.call("DELETE", chat(token, "/" + std::to_string(sys))).status == 405);
}

TEST_CASE("rest chat: read marker", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    f.call("POST", chat(token), "message=one");
    const RestReply unread = f.call("GET", std::string(kRoomApi) + "/" + token, {}, f.bob);
    CHECK(RestFixture::data(unread)["unreadMessages"] == 1);
    CHECK(f.call("POST", chat(token, "/read"), "lastReadMessage=x", f.bob).status == 400);
    const RestReply read = f.call("POST", chat(token, "/read"), {}, f.bob);
    CHECK(read.status == 200);
    CHECK(RestFixture::data(read)["unreadMessages"] == 0);
    CHECK(f.call("DELETE", chat(token, "/read"), {}, f.bob).status == 200);
}

TEST_CASE("rest reactions: add (201, then 200), list, remove; bad input", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const int64_t id = RestFixture::data(f.call("POST", chat(token), "message=react"))["id"];
    const std::string thumbs = "%F0%9F%91%8D";
    CHECK(f.call("POST", reaction(token, id), "").status == 400);
    CHECK(f.call("POST", reaction(token, id), "reaction=not+an+emoji").status == 400);
    CHECK(f.call("POST", reaction(token, 999999), "reaction=" + thumbs).status == 404);
    CHECK(f.call("POST", reaction(token, id), "reaction=" + thumbs, f.carol).status == 404);
    CHECK(RestFixture::data(f.call("GET", reaction(token, id))).empty());

    const RestReply added = f.call("POST", reaction(token, id), "reaction=" + thumbs, f.bob);
    CHECK(added.status == 201);
    const auto list = RestFixture::data(added)["\xF0\x9F\x91\x8D"];
    REQUIRE(list.size() == 1);
    CHECK(list[0]["actorId"] == "bob");
    CHECK(f.call("POST", reaction(token, id), "reaction=" + thumbs, f.bob).status == 200);
    CHECK(f.call("GET", reaction(token, id) + "?reaction=" + thumbs).status == 200);
    const auto page = RestFixture::data(f.call("GET", chat(token, "?lookIntoFuture=0")));
    bool counted = false;
    for (const auto& m : page) {
        if (m["id"] == id) {
            counted = m["reactions"]["\xF0\x9F\x91\x8D"] == 1;
        }
    }
    CHECK(counted);
    // The reaction's system message carries its message as parent with the new counts, which
    // Talk's clients (and ours) apply; before, the parent came without them.
    bool parent_counted = false;
    for (const auto& m : page) {
        if (m.value("systemMessage", "") == "reaction" && m.contains("parent")) {
            parent_counted =
                m["parent"]["id"] == id && m["parent"]["reactions"]["\xF0\x9F\x91\x8D"] == 1;
        }
    }
    CHECK(parent_counted);
    CHECK(f.call("DELETE", reaction(token, id), "", f.bob).status == 400);
    CHECK(f.call("DELETE", reaction(token, id), "reaction=" + thumbs, f.bob).status == 200);
    CHECK(RestFixture::data(f.call("GET", reaction(token, id))).empty());
}
