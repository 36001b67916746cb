// Backend URLs: Talk's API URLs, ports, case and trailing slashes name the same backend; the
// longest configured prefix wins; other hosts and schemes match nothing.
#include "signaling/backend_api/backend_url.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern::sig;

TEST_CASE("backend URL: the normal form", "[signaling][backend]") {
    CHECK(normalize_backend_url(
              "https://nc.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend") ==
          "https://nc.example/");
    CHECK(normalize_backend_url(
              "https://NC.Example:443/nextcloud/ocs/v2.php/apps/spreed/api/v3/signaling/backend") ==
          "https://nc.example/nextcloud/");
    CHECK(normalize_backend_url("http://nc.example:80") == "http://nc.example/");
    CHECK(normalize_backend_url("http://nc.example:8080/") == "http://nc.example:8080/");
    CHECK(normalize_backend_url("https://nc.example:80/") ==
          "https://nc.example:80/");  // not https's default
    CHECK(normalize_backend_url("https://[2001:db8::1]:443/x") == "https://[2001:db8::1]/x/");
    CHECK(normalize_backend_url("https://nc.example/path?x=1#y") == "https://nc.example/path/");
    CHECK_FALSE(normalize_backend_url("nc.example"));
    CHECK_FALSE(normalize_backend_url("ftp://nc.example/"));
    CHECK_FALSE(normalize_backend_url("https:///"));
    CHECK_FALSE(normalize_backend_url("https://user@nc.example/"));
}

TEST_CASE("backend URL: which configured backend a URL belongs to", "[signaling][backend]") {
    const std::vector<BackendEntry> backends = {
        {"root", "https://nc.example/", "s1"},
        {"sub", "https://nc.example/nc2/", "s2"},
        {"other", "https://cloud.other/", "s3"},
    };
    CHECK(
        find_backend(backends, "https://nc.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend")
            ->id == "root");
    CHECK(find_backend(backends,
                       "https://nc.example/nc2/ocs/v2.php/apps/spreed/api/v3/signaling/backend")
              ->id == "sub");
    CHECK(find_backend(backends, "https://NC.EXAMPLE:443/")->id == "root");
    CHECK(find_backend(backends, "https://cloud.other")->id == "other");
    CHECK(find_backend(backends, "https://nc.example.evil/") == nullptr);
    CHECK(find_backend(backends, "http://nc.example/") == nullptr);  // another scheme
    CHECK(find_backend(backends, "https://nc.example:8443/") == nullptr);
    CHECK(find_backend(backends, "not a url") == nullptr);
}
