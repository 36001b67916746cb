// The embedded backend as one shard holds it: its own Store connection and the domain objects
// over it (users, login sessions, rooms, chat), the login throttle, the recent Basic logins
// (credential_cache.hpp) and the shard's long-poll waiters, and the settings the REST API hands
// out. One per shard thread: like the Store, none of it is thread-safe, and SQLite in WAL mode
// gives each thread its own connection.
#pragma once

#include "signaling/backend/auth/login_sessions.hpp"
#include "signaling/backend/auth/login_throttle.hpp"
#include "signaling/backend/auth/password_hasher.hpp"
#include "signaling/backend/auth/users.hpp"
#include "signaling/backend/chat/chat.hpp"
#include "signaling/backend/chat/chat_waiters.hpp"
#include "signaling/backend/rest/credential_cache.hpp"
#include "signaling/backend/rooms/rooms.hpp"
#include "signaling/backend/store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::sig::backend::rest {

/// What the API tells clients beyond the store's contents; from the server's configuration.
struct RestSettings {
    /// Keys the signaling tickets (talk_ticket.hpp); at least 32 bytes, the same on every
    /// shard and node.
    std::string ticket_key;
    int64_t ticket_lifetime_s = 24 * 3600;
    /// Secrets a signaling server signs backend requests with (signaling.backends): any of them
    /// is accepted by the backend endpoint.
    std::vector<std::string> backend_secrets;
    /// The signaling server's URL for clients; "" : the request's own base URL.
    std::string signaling_url;
    // TURN (the signaling group's turn: servers and the TURN REST secret).
    std::string turn_secret;
    std::vector<std::string> turn_servers;  // "turn:host:port?transport=udp", ...
    int64_t turn_lifetime_s = 24 * 3600;
    std::vector<std::string> stun_servers;  // "stun:host:port"; empty: from the TURN servers
    std::string version = "0.1.0";          // the server version capabilities report
};

class BackendService {
public:
    /// Takes the store; `params` are argon2id's (tests pass cheap ones).
    BackendService(std::unique_ptr<Store> store, RestSettings settings,
                   const Argon2Params& params = {}, const LoginThrottleConfig& throttle = {},
                   const ChatWaitersConfig& waiters = {});
    BackendService(const BackendService&) = delete;
    BackendService& operator=(const BackendService&) = delete;

    Store& store() noexcept { return *store_; }
    Users& users() noexcept { return users_; }
    LoginSessions& sessions() noexcept { return sessions_; }
    LoginThrottle& throttle() noexcept { return throttle_; }
    CredentialCache& credentials() noexcept { return credentials_; }
    Rooms& rooms() noexcept { return rooms_; }
    Chat& chat() noexcept { return chat_; }
    ChatWaiters& waiters() noexcept { return waiters_; }
    const RandomBytes& random() const noexcept { return random_; }
    const PasswordHasher& hasher() const noexcept { return hasher_; }
    const RestSettings& settings() const noexcept { return settings_; }

private:
    std::unique_ptr<Store> store_;  // owned; declared first, used by all below
    PasswordHasher hasher_;
    RandomBytes random_;
    Users users_;
    LoginSessions sessions_;
    LoginThrottle throttle_;
    CredentialCache credentials_;
    Rooms rooms_;
    Chat chat_;
    ChatWaiters waiters_;
    RestSettings settings_;
};

}  // namespace tern::sig::backend::rest
