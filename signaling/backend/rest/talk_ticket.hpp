// The signaling ticket: what a logged-in user's client sends in its hello (auth version 1.0,
// params {userid, ticket}) and the signaling server hands back to the backend in its auth
// request, so the backend knows the hello comes from that user. Talk keeps its tickets in the
// database; tern makes them verifiable without a lookup and equal on every shard and node:
// "<expiry>:<mac>", the mac the lower-case hex HMAC-SHA256 under the ticket key of
// "tern-ticket\n<user>\n<expiry>". A ticket is good until its expiry (Unix seconds); changing
// the key (the signaling hash key) ends every ticket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::backend::rest {

std::string make_ticket(std::string_view key, std::string_view user, int64_t expiry_s);

/// Whether `ticket` is one made for `user` under `key` and not expired at `now_s`.
bool verify_ticket(std::string_view key, std::string_view user, std::string_view ticket,
                   int64_t now_s);

}  // namespace tern::sig::backend::rest
