// The /spreed request parser: every request type of the client API, the validation the
// reference server applies (and the error code it answers with), and malformed frames.
#include "signaling/api/client_request_parser.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

using namespace tern::sig::api;

namespace {

template <class T>
const T& body_as(const tern::Result<ClientRequest, ParseError>& r) {
    REQUIRE(r);
    REQUIRE(std::holds_alternative<T>(r->body));
    return std::get<T>(r->body);
}

ErrorCode error_of(std::string_view frame) {
    auto r = parse_client_request(frame);
    REQUIRE_FALSE(r);
    return r.error().code;
}

}  // namespace

TEST_CASE("client API: hello v1 with a ticket keeps params for the backend", "[signaling][api]") {
    auto r = parse_client_request(
        R"({"id":"1","type":"hello","hello":{"version":"1.0","features":["encryption","chat-relay"],)"
        R"("auth":{"url":"https://nc.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend",)"
        R"("params":{"userid":"alice","ticket":"t-1"}}}})");
    const auto& h = body_as<Hello>(r);
    CHECK(r->id == "1");
    CHECK(h.version == HelloVersion::V1);
    CHECK(h.resume_id.empty());
    CHECK(h.features == std::vector<std::string>{"encryption", "chat-relay"});
    CHECK(h.auth.type == AuthType::Client);
    CHECK(h.auth.url == "https://nc.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend");
    CHECK(h.auth.userid == "alice");
    CHECK(h.auth.ticket == "t-1");
    CHECK(nlohmann::json::parse(h.auth.params) ==
          nlohmann::json{{"userid", "alice"}, {"ticket", "t-1"}});
}

TEST_CASE("client API: hello v2 needs a token; internal and resume", "[signaling][api]") {
    auto v2 = parse_client_request(
        R"({"type":"hello","hello":{"version":"2.0","auth":{"url":"https://nc/","params":{"token":"a.b.c"}}}})");
    CHECK(body_as<Hello>(v2).auth.token == "a.b.c");
    CHECK(body_as<Hello>(v2).version == HelloVersion::V2);
    CHECK(
        error_of(
            R"({"type":"hello","hello":{"version":"2.0","auth":{"url":"https://nc/","params":{"userid":"x"}}}})") ==
        ErrorCode::InvalidFormat);

    auto internal = parse_client_request(
        R"({"type":"hello","hello":{"version":"1.0","auth":{"type":"internal",)"
        R"("params":{"random":"0123456789abcdef0123456789abcdef","token":"ff","backend":"https://nc/"}}}})");
    const auto& h = body_as<Hello>(internal);
    CHECK(h.auth.type == AuthType::Internal);
    CHECK(h.auth.random.size() == 32);
    CHECK(h.auth.backend == "https://nc/");

    auto resume =
        parse_client_request(R"({"type":"hello","hello":{"version":"1.0","resumeid":"r-1"}})");
    CHECK(body_as<Hello>(resume).resume_id == "r-1");
}

TEST_CASE("client API: hello errors carry the reference server's codes", "[signaling][api]") {
    CHECK(error_of(R"({"type":"hello","hello":{"version":"3.0"}})") ==
          ErrorCode::InvalidHelloVersion);
    CHECK(error_of(R"({"type":"hello","hello":{}})") == ErrorCode::InvalidHelloVersion);
    CHECK(error_of(R"({"type":"hello","hello":{"version":"1.0"}})") ==
          ErrorCode::InvalidFormat);  // no auth
    CHECK(
        error_of(R"({"type":"hello","hello":{"version":"1.0","auth":{"url":"u","params":{}}}})") ==
        ErrorCode::InvalidFormat);  // empty params
    CHECK(
        error_of(
            R"({"type":"hello","hello":{"version":"1.0","auth":{"type":"magic","url":"u","params":{"a":1}}}})") ==
        ErrorCode::InvalidFormat);  // unknown auth type: invalid_format, as upstream
    CHECK(error_of(
              R"({"type":"hello","hello":{"version":"1.0","auth":{"params":{"ticket":"t"}}}})") ==
          ErrorCode::InvalidFormat);  // client without url
    CHECK(error_of(R"({"type":"hello","hello":{"version":1}})") == ErrorCode::InvalidFormat);
    auto r = parse_client_request(R"({"id":"7","type":"hello","hello":{"version":"9"}})");
    REQUIRE_FALSE(r);
    CHECK(r.error().id == "7");  // the reply can echo the id
}

TEST_CASE("client API: room join, leave and a federated join", "[signaling][api]") {
    auto join = parse_client_request(
        R"({"id":"2","type":"room","room":{"roomid":"abc","sessionid":"nc-1"}})");
    CHECK(body_as<RoomRequest>(join).room_id == "abc");
    CHECK(body_as<RoomRequest>(join).session_id == "nc-1");
    auto leave = parse_client_request(R"({"id":"3","type":"room","room":{"roomid":""}})");
    CHECK(body_as<RoomRequest>(leave).room_id.empty());
    auto fed = parse_client_request(
        R"({"type":"room","room":{"roomid":"a","federation":{"signaling":"wss://r/","roomid":"t"}}})");
    CHECK(nlohmann::json::parse(body_as<RoomRequest>(fed).federation)["roomid"] == "t");
    CHECK(error_of(R"({"type":"room","room":{"roomid":5}})") == ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"room","room":"abc"})") == ErrorCode::InvalidFormat);
}

TEST_CASE("client API: messages to a session, a user, the room and the call", "[signaling][api]") {
    auto s = parse_client_request(
        R"({"type":"message","message":{"recipient":{"type":"session","sessionid":"S"},"data":{"type":"offer","x":[1,2]}}})");
    const auto& m = body_as<MessageRequest>(s);
    CHECK_FALSE(m.control);
    CHECK(m.recipient.type == RecipientType::Session);
    CHECK(m.recipient.session_id == "S");
    CHECK(nlohmann::json::parse(m.data) == nlohmann::json{{"type", "offer"}, {"x", {1, 2}}});
    auto u = parse_client_request(
        R"({"type":"control","control":{"recipient":{"type":"user","userid":"bob"},"data":"x"}})");
    CHECK(body_as<MessageRequest>(u).control);
    CHECK(body_as<MessageRequest>(u).recipient.user_id == "bob");
    CHECK(body_as<MessageRequest>(u).data == "\"x\"");
    auto call = parse_client_request(
        R"({"type":"message","message":{"recipient":{"type":"call"},"data":{}}})");
    CHECK(body_as<MessageRequest>(call).recipient.type == RecipientType::Call);

    CHECK(error_of(R"({"type":"message","message":{"recipient":{"type":"session"},"data":{}}})") ==
          ErrorCode::InvalidFormat);  // no sessionid
    CHECK(error_of(R"({"type":"message","message":{"recipient":{"type":"user"},"data":{}}})") ==
          ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"message","message":{"recipient":{"type":"everyone"},"data":{}}})") ==
          ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"message","message":{"recipient":{"type":"room"}}})") ==
          ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"message","message":{"data":{}}})") == ErrorCode::InvalidFormat);
}

TEST_CASE("client API: internal clients' virtual sessions and dial-out status",
          "[signaling][api]") {
    auto add = parse_client_request(
        R"({"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v1","roomid":"abc",)"
        R"("userid":"","user":{"type":"phone","number":"+49"},"flags":5,"incall":9,)"
        R"("options":{"actorId":"a1","actorType":"phones"}}}})");
    const auto& a = std::get<AddSession>(body_as<InternalRequest>(add).body);
    CHECK(a.session_id == "v1");
    CHECK(a.room_id == "abc");
    CHECK(a.flags == 5);
    CHECK(a.in_call == 9);
    CHECK(a.actor_id == "a1");
    CHECK(a.actor_type == "phones");
    CHECK(nlohmann::json::parse(a.user)["number"] == "+49");

    auto upd = parse_client_request(
        R"({"type":"internal","internal":{"type":"updatesession","updatesession":{"sessionid":"v1","roomid":"abc","flags":1}}})");
    const auto& u = std::get<UpdateSession>(body_as<InternalRequest>(upd).body);
    CHECK(u.flags == 1u);
    CHECK_FALSE(u.in_call);

    auto rm = parse_client_request(
        R"({"type":"internal","internal":{"type":"removesession","removesession":{"sessionid":"v1","roomid":"abc"}}})");
    CHECK(std::get<RemoveSession>(body_as<InternalRequest>(rm).body).session_id == "v1");

    auto incall = parse_client_request(
        R"({"type":"internal","internal":{"type":"incall","incall":{"incall":7}}})");
    CHECK(std::get<InCall>(body_as<InternalRequest>(incall).body).in_call == 7);

    auto status = parse_client_request(
        R"({"id":"d1","type":"internal","internal":{"type":"dialout","dialout":{"type":"status","roomid":"r",)"
        R"("status":{"callid":"c1","status":"ringing"}}}})");
    const auto& d = std::get<DialoutReply>(body_as<InternalRequest>(status).body);
    CHECK_FALSE(d.is_error);
    CHECK(d.call_id == "c1");
    CHECK(d.status == "ringing");
    auto derr = parse_client_request(
        R"({"type":"internal","internal":{"type":"dialout","dialout":{"type":"error","error":{"code":"busy","message":"no line"}}}})");
    CHECK(std::get<DialoutReply>(body_as<InternalRequest>(derr).body).error_code == "busy");

    CHECK(
        error_of(
            R"({"type":"internal","internal":{"type":"addsession","addsession":{"roomid":"abc"}}})") ==
        ErrorCode::InvalidFormat);
    CHECK(
        error_of(
            R"({"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v","roomid":"r","flags":-1}}})") ==
        ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"internal","internal":{"type":"teleport","teleport":{}}})") ==
          ErrorCode::InvalidFormat);
}

TEST_CASE("client API: transient set, remove, ttl, and a type left to the room to ignore",
          "[signaling][api]") {
    auto set = parse_client_request(
        R"({"type":"transient","transient":{"type":"set","key":"k","value":{"a":1},"ttl":5000000000}})");
    const auto& t = body_as<TransientRequest>(set);
    CHECK(t.op == TransientOp::Set);
    CHECK(t.key == "k");
    CHECK(t.value == R"({"a":1})");
    CHECK(t.ttl_ns == 5000000000ULL);
    auto rm =
        parse_client_request(R"({"type":"transient","transient":{"type":"remove","key":"k"}})");
    CHECK(body_as<TransientRequest>(rm).op == TransientOp::Remove);
    auto other = parse_client_request(R"({"type":"transient","transient":{"type":"rename"}})");
    CHECK(body_as<TransientRequest>(other).op == TransientOp::Other);
    CHECK(error_of(R"({"type":"transient","transient":{"type":"set","value":1}})") ==
          ErrorCode::InvalidFormat);
    CHECK(error_of(R"({"type":"transient","transient":{"type":"set","key":"k","ttl":-1}})") ==
          ErrorCode::InvalidFormat);
}

TEST_CASE("client API: bye, unknown types and the envelope's order", "[signaling][api]") {
    CHECK(std::holds_alternative<Bye>(
        parse_client_request(R"({"id":"9","type":"bye","bye":{}})")->body));
    CHECK(std::holds_alternative<Bye>(parse_client_request(R"({"type":"bye"})")->body));
    auto unknown = parse_client_request(R"({"type":"teleport","teleport":{"x":1}})");
    CHECK(body_as<UnknownRequest>(unknown).type == "teleport");
    // The body may come before the type.
    auto late = parse_client_request(R"({"room":{"roomid":"x"},"id":"4","type":"room"})");
    CHECK(body_as<RoomRequest>(late).room_id == "x");
    CHECK(late->id == "4");
}

TEST_CASE("client API: malformed frames are invalid_format, never a crash", "[signaling][api]") {
    for (std::string_view f :
         {"", "null", "[]", "\"hello\"", "{", "{\"type\":", "{\"type\":\"hello\",}", "{\"type\":5}",
          "{\"id\":5,\"type\":\"bye\"}", "{\"type\":\"\"}",
          "{\"type\":\"message\",\"message\":{\"recipient\":{\"type\":\"room\"},\"data\":{\"a\":"
          "tru}}}",
          "{\"type\":\"room\",\"room\":{\"roomid\":\"\xff\"}}"}) {
        INFO(f);
        CHECK(error_of(f) == ErrorCode::InvalidFormat);
    }
    // Too deep.
    std::string deep = R"({"type":"message","message":{"recipient":{"type":"room"},"data":)";
    for (int i = 0; i < 100; ++i) {
        deep += "[";
    }
    for (int i = 0; i < 100; ++i) {
        deep += "]";
    }
    deep += "}}";
    CHECK(error_of(deep) == ErrorCode::InvalidFormat);
    // Over 64 KiB.
    std::string big = R"({"type":"message","message":{"recipient":{"type":"room"},"data":")" +
                      std::string(kMaxClientFrame, 'x') + "\"}}";
    CHECK(error_of(big) == ErrorCode::InvalidFormat);
}
