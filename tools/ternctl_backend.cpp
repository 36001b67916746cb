#include "tools/ternctl_backend.hpp"

#include "signaling/backend/auth/password_hasher.hpp"
#include "signaling/backend/auth/user_name.hpp"
#include "signaling/backend/auth/users.hpp"
#include "signaling/backend/store/sqlite_backup.hpp"
#include "signaling/backend/store/sqlite_db.hpp"
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/config/tern_conf_group.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <termios.h>
#include <unistd.h>

namespace tern::ctl {

namespace {

using sig::backend::AuthError;
using sig::backend::AuthErrorKind;
using sig::backend::PasswordHasher;
using sig::backend::SqliteStore;
using sig::backend::Users;

constexpr const char* kDefaultConfig = "/etc/tern/tern.conf";

int fail(const std::string& message, int status = 1) {
    std::fprintf(stderr, "ternctl: %s\n", message.c_str());
    return status;
}

int fail(const AuthError& e) {
    return fail(e.message, e.kind == AuthErrorKind::InvalidInput ? 2 : 1);
}

int64_t now_s() {
    return static_cast<int64_t>(std::time(nullptr));
}

/// The database file: --db, else the configuration's, else the default when the default
/// configuration file is not there at all.
std::optional<std::string> database_path(const BackendOptions& o) {
    if (!o.db.empty()) {
        return o.db;
    }
    std::string config = o.config;
    const bool named = !config.empty() || std::getenv("TERN_CONFIG") != nullptr;
    if (config.empty()) {
        const char* env = std::getenv("TERN_CONFIG");
        config = env != nullptr ? env : kDefaultConfig;
    }
    if (!named && !std::filesystem::exists(config)) {
        const std::string db = sig::EmbeddedBackendConfig{}.database;
        std::fprintf(stderr, "ternctl: no %s; using the default database %s\n", config.c_str(),
                     db.c_str());
        return db;
    }
    auto c = sig::load_embedded_backend(config);
    if (!c) {
        fail(c.error().describe() + " (or give --db FILE)");
        return std::nullopt;
    }
    return c->database;
}

/// Opens the store, creating the database's directory (owner and group only) if needed.
std::unique_ptr<SqliteStore> open_store(const std::string& path) {
    if (const std::string why = sig::backend::make_database_folder(path); !why.empty()) {
        fail(why);
        return nullptr;
    }
    auto s = SqliteStore::open(path);
    if (!s) {
        fail(s.error().message);
        return nullptr;
    }
    return std::move(*s);
}

/// One line of stdin with echo off when it is a terminal; nullopt at end of input.
std::optional<std::string> read_line(const char* prompt) {
    const bool tty = isatty(STDIN_FILENO) == 1;
    termios saved{};
    if (tty) {
        std::fprintf(stderr, "%s", prompt);
        std::fflush(stderr);
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::fputc('\n', stderr);
    }
    if (!got && line.empty()) {
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

/// The password from stdin: typed twice on a terminal, the first line otherwise.
std::optional<std::string> read_new_password() {
    auto first = read_line("password: ");
    if (!first) {
        fail("no password on stdin", 2);
        return std::nullopt;
    }
    if (isatty(STDIN_FILENO) == 1) {
        auto again = read_line("again: ");
        if (!again || *again != *first) {
            fail("the two passwords differ", 2);
            return std::nullopt;
        }
    }
    return first;
}

std::string utc_time(int64_t s) {
    const auto t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int list_users(Users& users, SqliteStore& store, bool json) {
    auto l = users.list();
    if (!l) {
        return fail(l.error());
    }
    nlohmann::json out = nlohmann::json::array();
    if (!json) {
        std::printf("%-24s %-20s %-13s %s\n", "name", "created", "app passwords", "display name");
    }
    for (const auto& u : *l) {
        auto apps = store.app_passwords(u.id);
        const std::size_t n = apps ? apps->size() : 0;
        if (json) {
            out.push_back({{"name", u.name},
                           {"display_name", u.display_name},
                           {"created", utc_time(u.created_s)},
                           {"app_passwords", n}});
        } else {
            std::printf("%-24s %-20s %-13zu %s\n", u.name.c_str(), utc_time(u.created_s).c_str(), n,
                        u.display_name.c_str());
        }
    }
    if (json) {
        std::puts(out.dump(2).c_str());
    } else {
        std::printf("%zu user(s)\n", l->size());
    }
    return 0;
}

int user_command(const std::vector<std::string>& w, const BackendOptions& o,
                 const std::string& db) {
    const std::string& verb = w[1];
    const bool named = w.size() == 3;
    if (!((verb == "list" && w.size() == 2) ||
          (named && (verb == "add" || verb == "passwd" || verb == "del" || verb == "app-password" ||
                     verb == "check")))) {
        return fail("usage: ternctl user add|passwd|del|check|app-password NAME, or user list", 2);
    }
    auto store = open_store(db);
    if (!store) {
        return 1;
    }
    const PasswordHasher hasher;
    Users users(*store, hasher);
    if (verb == "list") {
        return list_users(users, *store, o.json);
    }
    const std::string& name = w[2];
    if (verb == "del") {
        if (auto r = users.remove(name); !r) {
            return fail(r.error());
        }
        std::printf("removed user %s with its app passwords and login sessions\n", name.c_str());
        return 0;
    }
    if (verb == "app-password") {
        auto a = users.add_app_password(name, o.label, now_s());
        if (!a) {
            return fail(a.error());
        }
        // The password alone on stdout (scripts take it from there); it is shown this once.
        std::fprintf(stderr, "app password %s for %s (shown once, not stored):\n",
                     o.label.empty() ? "" : ("'" + o.label + "'").c_str(), name.c_str());
        std::printf("%s\n", a->password.c_str());
        return 0;
    }
    if (verb == "check") {
        auto pw = read_line("password: ");
        if (!pw) {
            return fail("no password on stdin", 2);
        }
        auto u = users.authenticate(name, *pw, now_s());
        if (!u) {
            return fail(u.error());
        }
        std::printf("ok: the password of %s\n", u->name.c_str());
        return 0;
    }
    // add, passwd: check what can be checked before asking for the password.
    if (auto p = sig::backend::user_name_problem(name)) {
        return fail(*p, 2);
    }
    auto pw = read_new_password();
    if (!pw) {
        return 2;
    }
    if (verb == "add") {
        auto u = users.add(name, o.display_name, *pw, now_s());
        if (!u) {
            return fail(u.error());
        }
        std::printf("added user %s\n", u->name.c_str());
        return 0;
    }
    if (auto r = users.set_password(name, *pw); !r) {
        return fail(r.error());
    }
    std::printf("changed the password of %s (its login sessions ended)\n", name.c_str());
    return 0;
}

}  // namespace

bool is_backend_command(const std::vector<std::string>& words) {
    return (!words.empty() && words[0] == "user") ||
           (words.size() == 2 && (words[0] == "backup" || words[0] == "restore"));
}

int run_backend_command(const std::vector<std::string>& words, const BackendOptions& options) {
    if (words.size() < 2) {
        return fail("usage: ternctl user add|passwd|del|check|app-password NAME, or user list", 2);
    }
    auto db = database_path(options);
    if (!db) {
        return 2;
    }
    if (words[0] == "user") {
        return user_command(words, options, *db);
    }
    if (words[0] == "backup") {
        if (auto r = sig::backend::sqlite_backup(*db, words[1]); !r) {
            return fail(r.error().message);
        }
        std::printf("backup of %s written to %s\n", db->c_str(), words[1].c_str());
        return 0;
    }
    if (!std::filesystem::exists(*db)) {
        if (auto store = open_store(*db); !store) {
            return 1;
        }
    }
    if (auto r = sig::backend::sqlite_restore(words[1], *db); !r) {
        return fail(r.error().message);
    }
    std::printf("restored %s from %s\n", db->c_str(), words[1].c_str());
    return 0;
}

}  // namespace tern::ctl
