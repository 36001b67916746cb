// The OCS envelope: v1 and v2 status rules, JSON and XML, the format a client asked for.
#include "signaling/backend/rest/ocs_envelope.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::backend::rest;

TEST_CASE("ocs envelope: v2 mirrors the status in HTTP and meta", "[rest]") {
    CHECK(ocs_http_status(OcsApi::V2, 201) == 201);
    CHECK(ocs_http_status(OcsApi::V2, 412) == 412);
    const auto j =
        nlohmann::json::parse(ocs_body(OcsApi::V2, OcsFormat::Json, 201, "", "{\"a\":1}"));
    CHECK(j["ocs"]["meta"]["status"] == "ok");
    CHECK(j["ocs"]["meta"]["statuscode"] == 201);
    CHECK(j["ocs"]["meta"]["message"] == "OK");
    CHECK(j["ocs"]["data"]["a"] == 1);
    const auto e = nlohmann::json::parse(
        ocs_body(OcsApi::V2, OcsFormat::Json, 404, "no such conversation", ""));
    CHECK(e["ocs"]["meta"]["status"] == "failure");
    CHECK(e["ocs"]["meta"]["statuscode"] == 404);
    CHECK(e["ocs"]["meta"]["message"] == "no such conversation");
    CHECK(e["ocs"]["data"] == nlohmann::json::array());
}

TEST_CASE("ocs envelope: v1 answers HTTP 200 with OCS codes, 401 stays 401", "[rest]") {
    CHECK(ocs_http_status(OcsApi::V1, 200) == 200);
    CHECK(ocs_http_status(OcsApi::V1, 404) == 200);
    CHECK(ocs_http_status(OcsApi::V1, 400) == 200);
    CHECK(ocs_http_status(OcsApi::V1, 401) == 401);
    auto code = [](int status) {
        return nlohmann::json::parse(
            ocs_body(OcsApi::V1, OcsFormat::Json, status, "m", "[]"))["ocs"]["meta"]["statuscode"];
    };
    CHECK(code(200) == 100);
    CHECK(code(201) == 100);
    CHECK(code(401) == 997);
    CHECK(code(404) == 998);
    CHECK(code(400) == 400);
}

TEST_CASE("ocs envelope: XML carries the same tree", "[rest]") {
    const std::string x = ocs_body(OcsApi::V2, OcsFormat::Xml, 200, "",
                                   R"({"token":"abc<&>","n":3,"ok":true,"no":false,"list":[1,2],)"
                                   R"("1bad":"x","nil":null})");
    CHECK(x.starts_with("<?xml version=\"1.0\"?>\n<ocs>\n <meta>\n  <status>ok</status>\n"));
    CHECK(x.find("<statuscode>200</statuscode>") != std::string::npos);
    CHECK(x.find("<token>abc&lt;&amp;&gt;</token>") != std::string::npos);
    CHECK(x.find("<n>3</n>") != std::string::npos);
    CHECK(x.find("<ok>1</ok>") != std::string::npos);
    CHECK(x.find("<no></no>") != std::string::npos);
    CHECK(x.find("  <list>\n   <element>1</element>\n   <element>2</element>\n  </list>\n") !=
          std::string::npos);
    CHECK(x.find("<element>x</element>") != std::string::npos);
    CHECK(x.find("<nil></nil>") != std::string::npos);
    CHECK(x.ends_with("</data>\n</ocs>\n"));
    const std::string e = ocs_body(OcsApi::V2, OcsFormat::Xml, 400, "bad <input>", "[]");
    CHECK(e.find("<status>failure</status>") != std::string::npos);
    CHECK(e.find("<message>bad &lt;input&gt;</message>") != std::string::npos);
    CHECK(e.find("<data></data>") != std::string::npos);
}

TEST_CASE("ocs envelope: format from the query, else Accept, else JSON", "[rest]") {
    CHECK(ocs_format("", "") == OcsFormat::Json);
    CHECK(ocs_format("xml", "application/json") == OcsFormat::Xml);
    CHECK(ocs_format("json", "application/xml") == OcsFormat::Json);
    CHECK(ocs_format("", "application/xml") == OcsFormat::Xml);
    CHECK(ocs_format("", "text/xml, */*") == OcsFormat::Xml);
    CHECK(ocs_format("", "application/json, text/plain, */*") == OcsFormat::Json);
    CHECK(ocs_format("", "application/xml, application/json") == OcsFormat::Json);
    CHECK(ocs_content_type(OcsFormat::Xml) == "application/xml; charset=utf-8");
}

TEST_CASE("ocs envelope: XML of data that is not JSON is empty", "[rest]") {
    CHECK(json_to_xml("{").empty());
    CHECK(json_to_xml("[]").empty());
}
