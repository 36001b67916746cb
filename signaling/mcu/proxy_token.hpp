// The token of our hello to a proxy (§6.2): an RS256 JWT whose `iss` is our token_id, so the
// proxy picks the public key it holds for us, and whose `iat` is now (the proxy refuses tokens
// older than 5 minutes, so a fresh one is signed for every hello). `sub` is left out: it is only
// set for remote-subscriber tokens, which tern does not use.
#pragma once

#include "common/crypto/jwt.hpp"
#include "common/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::mcu {

class ProxyTokenSigner {
public:
    /// `pem`: the RSA private key (the file [mcu] token_key names). Errors name what is wrong.
    static Result<ProxyTokenSigner, std::string> from_pem(std::string token_id,
                                                          std::string_view pem);
    /// Reads the PEM at `path` (startup only: it blocks on the file system).
    static Result<ProxyTokenSigner, std::string> from_file(std::string token_id,
                                                           const std::string& path);

    /// A token issued at `now_s` (Unix seconds).
    [[nodiscard]] Result<std::string, std::string> sign(int64_t now_s) const;

    [[nodiscard]] const std::string& token_id() const noexcept { return token_id_; }

private:
    ProxyTokenSigner(std::string token_id, crypto::PkeyPtr key)
        : token_id_(std::move(token_id)), key_(std::move(key)) {}

    std::string token_id_;
    crypto::PkeyPtr key_;  // owned
};

}  // namespace tern::sig::mcu
