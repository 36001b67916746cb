// A throwaway PostgreSQL cluster for the store tests: initdb (Debian's postgresql package) in a
// temporary directory, the server listening on a Unix socket in that directory only (no TCP
// port to collide with), trust authentication, stopped and removed when the test process ends.
// As root, initdb and the server run as the `postgres` user (they refuse to run as root).
// One cluster per test process, started at first use; each test gets a database of its own.
// A guard (a small shell process) stops the server and removes the directory if the test
// process dies without its destructors (killed on a timeout, or crashed).
#pragma once

#include "signaling/backend/store/pg_connection.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <pwd.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace tern::sig::backend {

class PgTestCluster {
public:
    /// The directory holding initdb and pg_ctl, or nullopt when PostgreSQL is not installed.
    static std::optional<std::string> bin_dir() {
        std::optional<std::string> best;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
            const std::string bin = e.path().string() + "/bin";
            if (std::filesystem::exists(bin + "/initdb") && (!best || bin > *best)) {
                best = bin;
            }
        }
        return best;
    }

    /// The process's cluster, started at the first call; nullptr when it cannot be had (the
    /// reason is on stderr).
    static PgTestCluster* shared() {
        static std::unique_ptr<PgTestCluster> cluster = start();
        return cluster.get();
    }

    PgTestCluster(const PgTestCluster&) = delete;
    PgTestCluster& operator=(const PgTestCluster&) = delete;
    ~PgTestCluster() {
        if (guard_ > 0) {  // an orderly end: the guard is not needed
            kill(guard_, SIGTERM);
            waitpid(guard_, nullptr, 0);
        }
        if (started_) {
            run(pg_ctl() + " -D " + data() + " -m immediate stop >/dev/null 2>&1");
        }
    }

    /// A connection string for database `name`, which is created when missing.
    StoreResult<std::string> database(const std::string& name) {
        auto admin = PgConnection::connect(conninfo("postgres"));
        if (!admin) {
            return unexpected(admin.error());
        }
        auto there = (*admin)->run("SELECT 1 FROM pg_database WHERE datname = $1",
                                   PgParams().add(std::string_view(name)));
        if (!there) {
            return unexpected(there.error());
        }
        if (there->size() == 0) {
            const std::string sql = "CREATE DATABASE " + name;
            if (auto r = (*admin)->exec(sql.c_str()); !r) {
                return unexpected(r.error());
            }
        }
        return conninfo(name);
    }

private:
    PgTestCluster(std::string bin, std::unique_ptr<TempDir> dir)
        : bin_(std::move(bin)), dir_(std::move(dir)) {}

    static std::unique_ptr<PgTestCluster> start() {
        auto bin = bin_dir();
        if (!bin) {
            return nullptr;
        }
        auto c =
            std::unique_ptr<PgTestCluster>(new PgTestCluster(*bin, std::make_unique<TempDir>()));
        if (geteuid() == 0) {
            const passwd* pw = getpwnam("postgres");
            if (pw == nullptr || chown(c->dir_->path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                std::fprintf(stderr, "pg test cluster: no postgres user to run the server as\n");
                return nullptr;
            }
            c->as_ = "runuser -u postgres -- ";
        }
        const std::string log = c->dir_->file("server.log");
        if (c->run(c->bin_ + "/initdb -D " + c->data() +
                   " -A trust -U postgres -E UTF8 --locale=C --no-sync >" +
                   c->dir_->file("initdb.log") + " 2>&1") != 0) {
            std::fprintf(stderr, "pg test cluster: initdb failed, see %s\n",
                         c->dir_->file("initdb.log").c_str());
            return nullptr;
        }
        c->started_ = true;
        if (c->run(c->pg_ctl() + " -D " + c->data() + " -l " + log + " -w -t 60 -o \"-k " +
                   c->dir_->path() + " -c listen_addresses=''\" start >/dev/null 2>&1") != 0) {
            std::fprintf(stderr, "pg test cluster: the server did not start, see %s\n",
                         log.c_str());
            return nullptr;
        }
        c->start_guard();
        return c;
    }

    /// Starts the guard: while this process and the server live it waits; if this process goes
    /// first, it stops the server (SIGQUIT: immediate shutdown) and removes the directory. The
    /// server's pid is the first line of postmaster.pid.
    void start_guard() {
        std::ifstream pidfile(data() + "/postmaster.pid");
        long server = 0;
        if (!(pidfile >> server) || server <= 0) {
            std::fprintf(stderr, "pg test cluster: no postmaster.pid, the server is unguarded\n");
            return;
        }
        static constexpr const char* kScript =
            "while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 1; done; "
            "if kill -0 \"$2\" 2>/dev/null; then kill -QUIT \"$2\"; sleep 2; rm -rf \"$3\"; fi";
        const std::string parent = std::to_string(getpid());
        const std::string postmaster = std::to_string(server);
        const std::string dir = dir_->path();
        char* const argv[] = {
            const_cast<char*>("sh"),           const_cast<char*>("-c"),
            const_cast<char*>(kScript),        const_cast<char*>("pg-guard"),
            const_cast<char*>(parent.c_str()), const_cast<char*>(postmaster.c_str()),
            const_cast<char*>(dir.c_str()),    nullptr};
        pid_t pid = 0;
        if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) == 0) {
            guard_ = pid;
        }
    }

    int run(const std::string& command) const { return std::system((as_ + command).c_str()); }
    [[nodiscard]] std::string data() const { return dir_->file("data"); }
    [[nodiscard]] std::string pg_ctl() const { return bin_ + "/pg_ctl"; }
    [[nodiscard]] std::string conninfo(const std::string& db) const {
        return "host=" + dir_->path() + " dbname=" + db + " user=postgres";
    }

    std::string bin_;
    std::unique_ptr<TempDir> dir_;  // owned; removed after the server stopped
    std::string as_;                // the command prefix that drops root
    bool started_ = false;
    pid_t guard_ = 0;  // the guard process, when it runs
};

}  // namespace tern::sig::backend
