// An acknowledged write is durable (store.hpp): a child process adds users one by one and writes
// an acknowledgement line to a pipe after each add_user returned; the parent kills it with
// SIGKILL as soon as it has read kAcksBeforeKill lines (the child is in the middle of its next
// writes then), reads what else the child acknowledged before it died, reopens the database and
// finds every acknowledged user. Three rounds on the same file, each killed at another moment.
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace tern::sig::backend;

namespace {

constexpr int kAcksBeforeKill = 500;
constexpr int kMaxRows = 1'000'000;  // the child writes until it is killed

/// The child: writes rows named "r<round>-<i>" and acknowledges each one on `ack_fd`.
[[noreturn]] void write_until_killed(const StoreFactory& f, const std::string& dir, int round,
                                     int ack_fd) {
    auto store = f.open(dir);
    if (!store) {
        std::fprintf(stderr, "child: %s\n", store.error().message.c_str());
        _exit(1);
    }
    for (int i = 0; i < kMaxRows; ++i) {
        const std::string name = "r" + std::to_string(round) + "-" + std::to_string(i);
        if (!(*store)->add_user(NewUser{name, "", "$argon2id$h", i})) {
            _exit(1);
        }
        const std::string line = name + "\n";
        if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _exit(1);
        }
    }
    _exit(0);
}

/// Acknowledged names from the pipe: stops after `limit` lines (0: until end of file).
std::vector<std::string> read_acks(FILE* in, int limit) {
    std::vector<std::string> names;
    char buf[128];
    while ((limit == 0 || static_cast<int>(names.size()) < limit) &&
           std::fgets(buf, sizeof buf, in) != nullptr) {
        std::string s(buf);
        if (!s.empty() && s.back() == '\n') {
            s.pop_back();
            names.push_back(s);
        }
        // A line cut by the kill was never acknowledged in full; it is not counted.
    }
    return names;
}

}  // namespace

TEST_CASE("store durability: every acknowledged write survives kill -9", "[backend][store]") {
    for (const StoreFactory& f : store_factories()) {
        INFO(f.name);
        TempDir dir;
        // Created (and for PostgreSQL, its server started) here in the parent, which outlives
        // the children and so is the one to stop it.
        REQUIRE(f.open(dir.path()));
        std::size_t total = 0;
        for (int round = 0; round < 3; ++round) {
            int fds[2];
            // Close-on-exec: a process a child might start must not hold the pipe open.
            REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
            std::fflush(nullptr);
            const pid_t child = fork();
            REQUIRE(child >= 0);
            if (child == 0) {
                close(fds[0]);
                write_until_killed(f, dir.path(), round, fds[1]);
            }
            close(fds[1]);
            FILE* in = fdopen(fds[0], "r");
            REQUIRE(in != nullptr);
            std::vector<std::string> acked = read_acks(in, kAcksBeforeKill + round * 100);
            REQUIRE(kill(child, SIGKILL) == 0);
            int status = 0;
            REQUIRE(waitpid(child, &status, 0) == child);
            // Killed, not finished and not failed: the kill came in the middle of its writes.
            CHECK(WIFSIGNALED(status));
            const std::vector<std::string> late = read_acks(in, 0);
            acked.insert(acked.end(), late.begin(), late.end());
            std::fclose(in);
            REQUIRE(static_cast<int>(acked.size()) >= kAcksBeforeKill);

            auto store = f.open(dir.path());
            REQUIRE(store);
            std::size_t missing = 0;
            for (const std::string& name : acked) {
                if (!(*store)->find_user(name)) {
                    ++missing;
                    UNSCOPED_INFO("acknowledged but lost: " << name);
                }
            }
            CHECK(missing == 0);
            total += acked.size();
        }
        WARN(f.name << ": " << total << " acknowledged rows over 3 kills, none lost");
    }
}
