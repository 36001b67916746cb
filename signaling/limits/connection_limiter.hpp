// How many client WebSockets one address may hold open at once (docs/signaling.md, Operations).
// The edge asks admit() before it upgrades a /spreed request, answers 429 when refused, and
// calls release() when an admitted connection ends. Addresses are counted by address_key() (an
// IPv6 client by its /64).
//
// Memory is bounded and fixed at construction: an address has an entry only while it holds a
// connection, and at most `max_addresses` entries exist. When the table is full a new address is
// let in without being counted (`Untracked`, counted by the caller): refusing it instead would let
// anyone holding many addresses lock everybody else out. A limit of 0 counts nothing.
//
// Not thread-safe: one owner (the edge shares one instance between its shards under a mutex, so
// the limit is exact per process).
#pragma once

#include "signaling/limits/address_key.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace tern::sig {

class ConnectionLimiter {
public:
    enum class Verdict : uint8_t {
        Admitted,   // counted: release() it when it ends
        Refused,    // the address already holds `per_address` connections
        Untracked,  // let in uncounted (no limit, or the table is full): no release()
    };

    /// `per_address` 0: no limit.
    ConnectionLimiter(uint32_t per_address, std::size_t max_addresses);

    Verdict admit(std::string_view address);
    /// Ends one connection admit() returned Admitted for.
    void release(std::string_view address);

    [[nodiscard]] uint32_t open(std::string_view address) const;
    [[nodiscard]] std::size_t tracked() const noexcept { return open_.size(); }
    [[nodiscard]] uint32_t per_address() const noexcept { return per_address_; }

private:
    uint32_t per_address_;
    std::size_t max_addresses_;
    std::unordered_map<AddressKey, uint32_t, AddressKeyHash> open_;  // only counts > 0
};

}  // namespace tern::sig
