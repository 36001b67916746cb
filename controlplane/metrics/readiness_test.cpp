#include "controlplane/metrics/readiness.hpp"

#include <catch2/catch.hpp>

using namespace tern::cp::metrics;
using nlohmann::json;

namespace {

json attached(json workers) {
    return json{{"controlplane", {{"generation", 7}}},
                {"dataplane", {{"connected", true}, {"workers", workers.size()}}},
                {"workers", std::move(workers)}};
}

}  // namespace

TEST_CASE("readiness: attached with every worker answering", "[controlplane][metrics]") {
    const Readiness r = readiness(attached(json::array(
        {{{"worker", 0}, {"responding", true}}, {{"worker", 1}, {"responding", true}}})));
    CHECK(r.ready);
    CHECK(r.reason.empty());
    CHECK(readiness_body(r) == "{\"ready\":true}\n");
}

TEST_CASE("readiness: not ready, each with its reason", "[controlplane][metrics]") {
    Readiness r = readiness(json{{"dataplane", {{"connected", false}}}});
    CHECK_FALSE(r.ready);
    CHECK(r.reason == "no data plane attached");
    CHECK(readiness_body(r) == R"({"ready":false,"reason":"no data plane attached"})"
                               "\n");

    r = readiness(json::object());
    CHECK_FALSE(r.ready);
    CHECK(r.reason == "no data plane attached");

    r = readiness(attached(json::array()));
    CHECK_FALSE(r.ready);
    CHECK(r.reason == "the data plane has no workers");

    r = readiness(attached(json::array(
        {{{"worker", 0}, {"responding", true}}, {{"worker", 1}, {"responding", false}}})));
    CHECK_FALSE(r.ready);
    CHECK(r.reason == "worker 1 has not answered a ping within three intervals");
}
