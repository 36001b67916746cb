// An acknowledged write is durable (store.hpp): a child process writes rows one by one and writes
// an acknowledgement line to a pipe after each write returned; the parent kills it with SIGKILL
// as soon as it has read kAcksBeforeKill lines (the child is in the middle of its next writes
// then), reads what else the child acknowledged before it died, reopens the database and finds
// every acknowledged row. Three rounds on the same database, each killed at another moment,
// for users (add_user) and for chat messages (post_message, whose ids must also have no gap:
// the id of a posting cut short by the kill is never given).
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace tern::sig::backend;

namespace {

constexpr int kAcksBeforeKill = 500;
constexpr int kMaxRows = 1'000'000;  // the child writes until it is killed
constexpr const char* kRoomToken = "durable0";

/// Writes row `i` of round `round`; returns its acknowledgement (no newline), empty on failure.
using WriteOne = std::function<std::string(Store& store, int round, int i)>;
/// Whether the row an acknowledgement names is in the reopened store.
using IsThere = std::function<bool(Store& store, const std::string& ack)>;

/// The child: writes rows until it is killed, acknowledging each one on `ack_fd`.
[[noreturn]] void write_until_killed(const StoreFactory& f, const std::string& dir, int round,
                                     const WriteOne& write_one, int ack_fd) {
    auto store = f.open(dir);
    if (!store) {
        std::fprintf(stderr, "child: %s\n", store.error().message.c_str());
        _exit(1);
    }
    for (int i = 0; i < kMaxRows; ++i) {
        const std::string ack = write_one(**store, round, i);
        if (ack.empty()) {
            _exit(1);
        }
        const std::string line = ack + "\n";
        if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _exit(1);
        }
    }
    _exit(0);
}

/// Acknowledgements from the pipe: stops after `limit` lines (0: until end of file).
std::vector<std::string> read_acks(FILE* in, int limit) {
    std::vector<std::string> acks;
    char buf[128];
    while ((limit == 0 || static_cast<int>(acks.size()) < limit) &&
           std::fgets(buf, sizeof buf, in) != nullptr) {
        std::string s(buf);
        if (!s.empty() && s.back() == '\n') {
            s.pop_back();
            acks.push_back(s);
        }
        // A line cut by the kill was never acknowledged in full; it is not counted.
    }
    return acks;
}

/// Three rounds of writing, killing and checking on one database; the rows acknowledged.
std::size_t kill_rounds(const StoreFactory& f, const std::string& dir, const WriteOne& write_one,
                        const IsThere& is_there) {
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
            write_until_killed(f, dir, round, write_one, fds[1]);
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

        auto store = f.open(dir);
        REQUIRE(store);
        std::size_t missing = 0;
        for (const std::string& ack : acked) {
            if (!is_there(**store, ack)) {
                ++missing;
                UNSCOPED_INFO("acknowledged but lost: " << ack);
            }
        }
        CHECK(missing == 0);
        total += acked.size();
    }
    return total;
}

}  // namespace

TEST_CASE("store durability: every acknowledged user survives kill -9", "[backend][store]") {
    for (const StoreFactory& f : store_factories()) {
        INFO(f.name);
        TempDir dir;
        // Created (and for PostgreSQL, its server started) here in the parent, which outlives
        // the children and so is the one to stop it.
        REQUIRE(f.open(dir.path()));
        const std::size_t total = kill_rounds(
            f, dir.path(),
            [](Store& store, int round, int i) {
                const std::string name = "r" + std::to_string(round) + "-" + std::to_string(i);
                return store.add_user(NewUser{name, "", "$argon2id$h", i}) ? name : std::string();
            },
            [](Store& store, const std::string& name) {
                return static_cast<bool>(store.find_user(name));
            });
        WARN(f.name << ": " << total << " acknowledged users over 3 kills, none lost");
    }
}

TEST_CASE("store durability: every acknowledged chat message survives kill -9, ids without gaps",
          "[backend][store]") {
    for (const StoreFactory& f : store_factories()) {
        INFO(f.name);
        TempDir dir;
        RoomId room;
        {
            auto store = f.open(dir.path());
            REQUIRE(store);
            NewRoom n;
            n.token = kRoomToken;
            auto made = (*store)->add_room(n);
            REQUIRE(made);
            room = made->id;
        }
        // Acknowledged as "<id> <text>".
        const std::size_t total = kill_rounds(
            f, dir.path(),
            [room](Store& store, int round, int i) {
                NewChatMessage m;
                m.room = room;
                m.actor = Actor{ActorType::Users, "writer"};
                m.message = "r" + std::to_string(round) + "-" + std::to_string(i);
                m.created_s = i;
                auto posted = store.post_message(m);
                return posted ? std::to_string(posted->id) + " " + m.message : std::string();
            },
            [room](Store& store, const std::string& ack) {
                const std::size_t space = ack.find(' ');
                auto m = store.message(room, std::stoll(ack.substr(0, space)));
                return m && m->message == ack.substr(space + 1);
            });
        auto store = f.open(dir.path());
        REQUIRE(store);
        auto all = (*store)->messages_after(room, 0, 1'000'000);
        REQUIRE(all);
        REQUIRE(all->size() >= total);
        for (std::size_t i = 0; i < all->size(); ++i) {
            CHECK((*all)[i].id == static_cast<int64_t>(i) + 1);
        }
        CHECK((*store)->room_by_id(room)->last_message_id == static_cast<int64_t>(all->size()));
        WARN(f.name << ": " << total << " acknowledged messages over 3 kills, none lost");
    }
}
