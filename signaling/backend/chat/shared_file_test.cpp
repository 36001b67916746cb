// A shared file's rich object: Nextcloud's "file" type with every value a string, the optional
// etag and dimensions, and what a card needs to be valid.
#include "signaling/backend/chat/shared_file.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::backend;
using nlohmann::json;

namespace {

SharedFile report() {
    SharedFile f;
    f.id = "42";
    f.name = "report \"final\".pdf";
    f.size = 123456;
    f.path = "Talk/report.pdf";
    f.link = "https://tern.example/f/42";
    f.mimetype = "application/pdf";
    return f;
}

}  // namespace

TEST_CASE("shared file: the rich object has string values only", "[backend][chat]") {
    const json j = json::parse(rich_file(report()));
    CHECK(j["type"] == "file");
    CHECK(j["id"] == "42");
    CHECK(j["name"] == "report \"final\".pdf");
    CHECK(j["size"] == "123456");
    CHECK(j["path"] == "Talk/report.pdf");
    CHECK(j["link"] == "https://tern.example/f/42");
    CHECK(j["mimetype"] == "application/pdf");
    CHECK(j["preview-available"] == "no");
    CHECK_FALSE(j.contains("etag"));
    CHECK_FALSE(j.contains("width"));
    for (const auto& [key, value] : j.items()) {
        CHECK(value.is_string());
    }
}

TEST_CASE("shared file: etag, preview and dimensions", "[backend][chat]") {
    SharedFile f = report();
    f.mimetype = "image/png";
    f.preview_available = true;
    f.etag = "abc";
    f.width = 640;
    f.height = 480;
    const json j = json::parse(rich_file(f));
    CHECK(j["preview-available"] == "yes");
    CHECK(j["etag"] == "abc");
    CHECK(j["width"] == "640");
    CHECK(j["height"] == "480");
}

TEST_CASE("shared file: what a card needs", "[backend][chat]") {
    CHECK(valid_shared_file(report()));
    for (auto spoil :
         {+[](SharedFile& f) { f.id.clear(); }, +[](SharedFile& f) { f.name.clear(); },
          +[](SharedFile& f) { f.name = "a/b"; }, +[](SharedFile& f) { f.name = "a\nb"; },
          +[](SharedFile& f) { f.link.clear(); }, +[](SharedFile& f) { f.mimetype.clear(); }}) {
        SharedFile f = report();
        spoil(f);
        CHECK_FALSE(valid_shared_file(f));
    }
}
