#include "signaling/mcu/proxy_token.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace tern;
using namespace tern::sig::mcu;

TEST_CASE("proxy token: RS256, iss = token_id, iat = now, no sub", "[signaling][mcu]") {
    auto pair = crypto::generate_key_pem(crypto::JwsAlg::RS256);
    REQUIRE(pair);
    auto signer = ProxyTokenSigner::from_pem("talk", pair->first);
    REQUIRE(signer);
    auto token = signer->sign(1'800'000'000);
    REQUIRE(token);

    auto jws = crypto::split_jws(*token);
    REQUIRE(jws);
    auto header = nlohmann::json::parse(jws->header);
    CHECK(header["alg"] == "RS256");
    auto claims = nlohmann::json::parse(jws->payload);
    CHECK(claims["iss"] == "talk");
    CHECK(claims["iat"] == 1'800'000'000);
    CHECK_FALSE(claims.contains("sub"));

    auto pub = crypto::public_key_from_pem(pair->second);
    REQUIRE(pub);
    CHECK(
        crypto::verify_jws(crypto::JwsAlg::RS256, pub->get(), jws->signing_input, jws->signature));
}

TEST_CASE("proxy token: the key file is read; bad keys are refused", "[signaling][mcu]") {
    auto pair = crypto::generate_key_pem(crypto::JwsAlg::RS256);
    REQUIRE(pair);
    const std::string path = "proxy_token_test_" + std::to_string(::getpid()) + ".key";
    { std::ofstream(path) << pair->first; }
    auto signer = ProxyTokenSigner::from_file("talk", path);
    std::remove(path.c_str());
    REQUIRE(signer);
    CHECK(signer->token_id() == "talk");

    CHECK_FALSE(ProxyTokenSigner::from_file("talk", "/nonexistent/key.pem"));
    CHECK_FALSE(ProxyTokenSigner::from_pem("talk", "not a key"));
    CHECK_FALSE(ProxyTokenSigner::from_pem("", pair->first));
    auto ec = crypto::generate_key_pem(crypto::JwsAlg::ES256);
    REQUIRE(ec);
    CHECK_FALSE(ProxyTokenSigner::from_pem("talk", ec->first));
}
