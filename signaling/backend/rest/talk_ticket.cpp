#include "signaling/backend/rest/talk_ticket.hpp"

#include "signaling/backend/auth/secret_token.hpp"
#include "signaling/backend_api/checksum.hpp"

#include <charconv>

namespace tern::sig::backend::rest {

namespace {

std::string mac_of(std::string_view key, std::string_view user, std::string_view expiry) {
    std::string input = "tern-ticket\n";
    input += user;
    input += '\n';
    return backend_checksum(key, input, expiry);
}

}  // namespace

std::string make_ticket(std::string_view key, std::string_view user, int64_t expiry_s) {
    const std::string expiry = std::to_string(expiry_s);
    return expiry + ":" + mac_of(key, user, expiry);
}

bool verify_ticket(std::string_view key, std::string_view user, std::string_view ticket,
                   int64_t now_s) {
    const std::size_t colon = ticket.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 19) {
        return false;
    }
    const std::string_view expiry = ticket.substr(0, colon);
    int64_t expiry_s = 0;
    const auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expiry_s);
    if (ec != std::errc{} || end != expiry.data() + expiry.size() || expiry_s <= now_s) {
        return false;
    }
    return equal_constant_time(mac_of(key, user, expiry), ticket.substr(colon + 1));
}

}  // namespace tern::sig::backend::rest
