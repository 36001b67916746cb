// Password hashing with argon2id (RFC 9106), the one file that speaks libargon2.
//
// Parameters (docs/admin.md, Users): 19 MiB of memory, 2 passes, 1 lane, a 16-byte random salt
// and a 32-byte tag: the smallest setting OWASP's password storage guidance accepts for
// argon2id. A login is interactive and tern-signaling runs on small machines beside the media
// path: on the 2-core reference machine one hash takes about 70 ms and 19 MiB for that time,
// where 64 MiB and 3 passes (RFC 9106's second recommendation) take about 400 ms. The login
// throttle (login_throttle.hpp) bounds how many hashes an address can make the server compute.
//
// Hashes are stored in the PHC string form ("$argon2id$v=19$m=19456,t=2,p=1$SALT$TAG"), which
// carries its own parameters: a hash made with older parameters still verifies, and
// needs_rehash() tells the caller to store a new one after the next successful login.
//
// Thread-safe (no state beyond the parameters); hash() and verify() block for the hash's time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::backend {

struct Argon2Params {
    uint32_t memory_kib = 19 * 1024;
    uint32_t iterations = 2;
    uint32_t lanes = 1;
};

class PasswordHasher {
public:
    explicit PasswordHasher(Argon2Params params = {}) : params_(params) {}

    /// The PHC string of `password` under a fresh salt. Throws std::runtime_error when the
    /// system's random generator or libargon2 fails (out of memory), which no input causes.
    [[nodiscard]] std::string hash(std::string_view password) const;

    /// Whether `password` matches `encoded`; the comparison of the tags takes the same time
    /// wherever they differ. False for a malformed or non-argon2id `encoded`.
    [[nodiscard]] bool verify(std::string_view encoded, std::string_view password) const;

    /// Whether `encoded` was made with other parameters than this hasher's.
    [[nodiscard]] bool needs_rehash(std::string_view encoded) const;

    [[nodiscard]] const Argon2Params& params() const noexcept { return params_; }

private:
    [[nodiscard]] std::string prefix() const;  // "$argon2id$v=19$m=...,t=...,p=...$"

    Argon2Params params_;
};

}  // namespace tern::sig::backend
