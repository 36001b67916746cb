#include "signaling/net/static_files.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using tern::sig::net::content_type_for;
using tern::sig::net::is_client_route;
using tern::sig::net::kCacheImmutable;
using tern::sig::net::kCacheRevalidate;
using tern::sig::net::kWebContentSecurityPolicy;
using tern::sig::net::pick_encoding;
using tern::sig::net::safe_request_path;
using tern::sig::net::StaticFiles;
using tern::sig::net::StaticRequest;
using tern::sig::net::StaticResponse;

namespace {

namespace fs = std::filesystem;

StaticFiles sample() {
    StaticFiles files;
    files.add("/index.html", "<!doctype html><title>tern</title>");
    files.add("/index.html.gz", "GZ-INDEX");
    files.add("/index.html.br", "BR-INDEX");
    files.add("/assets/index-abc123.js", "console.log(1)");
    files.add("/assets/index-abc123.js.gz", "GZ-JS");
    files.add("/assets/index-abc123.css", "body{}");
    files.add("/manifest.webmanifest", "{}");
    files.add("/sw.js", "self");
    return files;
}

StaticResponse get(const StaticFiles& f, std::string_view target, std::string_view ae = "") {
    return f.respond(StaticRequest{"GET", target, ae, ""});
}

std::string_view header(const StaticResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers()) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "tern-static-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    void write(const std::string& rel, const std::string& bytes) const {
        fs::create_directories((path / rel).parent_path());
        std::ofstream(path / rel, std::ios::binary) << bytes;
    }
};

}  // namespace

TEST_CASE("static files: index.html for / and the client's routes, no-cache", "[signaling][net]") {
    const StaticFiles f = sample();
    for (const std::string_view target :
         {"/", "/index.html", "/call/abc123", "/call/abc123/", "/index.php/call/Ab-_9", "/?x=1"}) {
        INFO(target);
        const StaticResponse r = get(f, target);
        CHECK(r.status == 200);
        CHECK(r.body == "<!doctype html><title>tern</title>");
        CHECK(r.content_type == "text/html; charset=utf-8");
        CHECK(r.cache_control == kCacheRevalidate);
        CHECK(r.content_encoding.empty());
        CHECK(r.vary_accept_encoding);
    }
    CHECK(get(f, "/call/").status == 404);
    CHECK(get(f, "/call/a/b").status == 404);
    CHECK(get(f, "/call/a.b").status == 404);
    CHECK(get(f, "/rooms").status == 404);
}

TEST_CASE("static files: hashed assets are immutable, the rest revalidated", "[signaling][net]") {
    const StaticFiles f = sample();
    const StaticResponse js = get(f, "/assets/index-abc123.js");
    CHECK(js.status == 200);
    CHECK(js.content_type == "text/javascript; charset=utf-8");
    CHECK(js.cache_control == kCacheImmutable);
    CHECK(js.cache_control == "public, max-age=31536000, immutable");
    CHECK(get(f, "/assets/index-abc123.css").content_type == "text/css; charset=utf-8");
    const StaticResponse manifest = get(f, "/manifest.webmanifest");
    CHECK(manifest.content_type == "application/manifest+json");
    CHECK(manifest.cache_control == "no-cache");
    CHECK(get(f, "/sw.js").cache_control == "no-cache");
    CHECK(f.file_count() == 5);
    CHECK(f.has_index());
}

TEST_CASE("static files: precompressed siblings by Accept-Encoding", "[signaling][net]") {
    const StaticFiles f = sample();
    StaticResponse r = get(f, "/", "gzip, deflate, br");
    CHECK(r.content_encoding == "br");
    CHECK(r.body == "BR-INDEX");
    CHECK(r.content_length == 8);
    CHECK(header(r, "Content-Encoding") == "br");
    CHECK(header(r, "Vary") == "Accept-Encoding");
    r = get(f, "/", "gzip");
    CHECK(r.content_encoding == "gzip");
    CHECK(r.body == "GZ-INDEX");
    r = get(f, "/", "br;q=0, gzip;q=0.5");
    CHECK(r.body == "GZ-INDEX");
    r = get(f, "/", "*");
    CHECK(r.body == "BR-INDEX");
    r = get(f, "/", "*, br;q=0.000, gzip;q=0");
    CHECK(r.content_encoding.empty());
    r = get(f, "/assets/index-abc123.js", "br, gzip");  // no .br sibling
    CHECK(r.content_encoding == "gzip");
    CHECK(r.body == "GZ-JS");
    r = get(f, "/assets/index-abc123.css", "br, gzip");  // none at all
    CHECK(r.content_encoding.empty());
    CHECK(r.body == "body{}");
    CHECK(header(r, "Content-Encoding").empty());
    // A sibling is no file of its own.
    CHECK(get(f, "/index.html.gz").status == 404);

    CHECK(pick_encoding("", true, true) == 0);
    CHECK(pick_encoding("identity", true, true) == 0);
    CHECK(pick_encoding("BR", true, true) == 'b');
    CHECK(pick_encoding("x-gzip", true, true) == 'g');
    CHECK(pick_encoding("br;q=0.8", false, true) == 0);
    CHECK(pick_encoding(" gzip ; q=1 ", true, true) == 'g');
}

TEST_CASE("static files: security headers on every answer", "[signaling][net]") {
    const StaticFiles f = sample();
    for (const StaticResponse& r : {get(f, "/"), get(f, "/assets/index-abc123.js"), get(f, "/nope"),
                                    f.respond(StaticRequest{"POST", "/", "", ""})}) {
        CHECK(header(r, "Content-Security-Policy") == kWebContentSecurityPolicy);
        CHECK(header(r, "X-Content-Type-Options") == "nosniff");
        CHECK(header(r, "Referrer-Policy") == "no-referrer");
    }
    CHECK(kWebContentSecurityPolicy.find("unsafe") == std::string_view::npos);
    CHECK(kWebContentSecurityPolicy.find("script-src 'self'") != std::string_view::npos);
    CHECK(kWebContentSecurityPolicy.find("frame-ancestors 'none'") != std::string_view::npos);
}

TEST_CASE("static files: methods, HEAD and ETags", "[signaling][net]") {
    const StaticFiles f = sample();
    const StaticResponse post = f.respond(StaticRequest{"POST", "/", "", ""});
    CHECK(post.status == 405);
    CHECK(header(post, "Allow") == "GET, HEAD");
    CHECK(post.body.empty());

    const StaticResponse head = f.respond(StaticRequest{"HEAD", "/", "gzip", ""});
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.content_length == 8);
    CHECK(head.content_encoding == "gzip");

    const StaticResponse full = get(f, "/");
    REQUIRE_FALSE(full.etag.empty());
    CHECK(full.etag.starts_with("W/\""));
    const std::string etag(full.etag);
    StaticResponse again = f.respond(StaticRequest{"GET", "/", "br", etag});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.etag == etag);
    CHECK(again.cache_control == "no-cache");
    CHECK(f.respond(StaticRequest{"GET", "/", "", "\"other\", " + etag.substr(2)}).status == 304);
    CHECK(f.respond(StaticRequest{"GET", "/", "", "*"}).status == 304);
    CHECK(f.respond(StaticRequest{"GET", "/", "", "W/\"other\""}).status == 200);
    CHECK(get(f, "/assets/index-abc123.js").etag != etag);
}

TEST_CASE("static files: no way out of the root", "[signaling][net]") {
    const StaticFiles f = sample();
    for (const std::string_view target :
         {"/../etc/passwd", "/assets/../index.html", "/%2e%2e/etc/passwd", "/assets/%2E%2E/x",
          "/./index.html", "//index.html", "/assets//index-abc123.js", "/a\\b", "/%00",
          "/index.html%", "/index.html%2", "/%zz", "index.html", "", "*"}) {
        INFO(target);
        const StaticResponse r = get(f, target);
        CHECK(r.status == 404);
        CHECK(r.body == "not found\n");
        CHECK(r.cache_control.empty());
    }
    CHECK(safe_request_path("/assets/a%20b.js?v=1") == "/assets/a b.js");
    CHECK(safe_request_path("/dir/") == "/dir/");
    CHECK(safe_request_path("/a/../b").empty());
    CHECK(is_client_route("/"));
    CHECK_FALSE(is_client_route("/index.php/"));
    CHECK(content_type_for("/a/B.PNG") == "image/png");
    CHECK(content_type_for("/LICENSE") == "application/octet-stream");
    CHECK(content_type_for("/x.unknown") == "application/octet-stream");
}

TEST_CASE("static files: load a directory, siblings, hidden files and symlinks",
          "[signaling][net]") {
    TempDir root;
    TempDir outside;
    root.write("index.html", "INDEX");
    root.write("index.html.br", "BR");
    root.write("assets/app-1.js", "JS");
    root.write("assets/app-1.js.gz", "GZ");
    root.write(".hidden", "secret");
    root.write(".git/config", "secret");
    outside.write("secret.txt", "secret");
    fs::create_symlink(outside.path / "secret.txt", root.path / "leak.txt");
    fs::create_directory_symlink(outside.path, root.path / "leakdir");
    fs::create_symlink(root.path / "assets" / "app-1.js", root.path / "alias.js");

    auto loaded = StaticFiles::load(root.path);
    REQUIRE(loaded);
    const StaticFiles& f = *loaded;
    CHECK(f.file_count() == 3);  // index.html, assets/app-1.js, alias.js
    CHECK(get(f, "/", "br").body == "BR");
    CHECK(get(f, "/assets/app-1.js", "gzip").body == "GZ");
    CHECK(get(f, "/alias.js").body == "JS");
    CHECK(get(f, "/leak.txt").status == 404);
    CHECK(get(f, "/leakdir/secret.txt").status == 404);
    CHECK(get(f, "/.hidden").status == 404);
    CHECK(get(f, "/.git/config").status == 404);

    CHECK_FALSE(StaticFiles::load(root.path / "missing"));
    auto small = StaticFiles::load(root.path, {.max_files = 1});
    REQUIRE_FALSE(small);
    CHECK(small.error().find("more than 1 files") != std::string::npos);
    CHECK_FALSE(StaticFiles::load(root.path, {.max_total_bytes = 4}));
}
