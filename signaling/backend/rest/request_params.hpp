// The parameters of a Talk REST request, from wherever the client put them: the query string,
// an application/x-www-form-urlencoded body, or a JSON body (Talk's clients use all three;
// Matterbridge sends chat messages as query parameters). Each source parses into the same list
// of (name, value) pairs, query first, so a handler asks for "message" and does not care how it
// came.
//
// Rules of the form parser (WHATWG URL "application/x-www-form-urlencoded parsing"): pairs are
// split at '&', name from value at the first '='; '+' is a space; %XX is a byte. A '%' not
// followed by two hex digits, a decoded NUL byte, or text that is not UTF-8 after decoding is
// an error (the WHATWG parser passes them on; a chat server that stores the text refuses them
// instead). Arrays are PHP's: "parts[]=a&parts[]=b" are two values of "parts[]".
//
// JSON bodies: one object; string, number and boolean members become text ("true"/"false" as
// Talk's PHP reads them), null is absent, an array of scalars is the values of "name[]", and a
// nested object or array is kept as its JSON text.
//
// Bounded: at most kMaxParams pairs in all; a request with more is refused, not truncated.
#pragma once

#include "common/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sig::backend::rest {

inline constexpr std::size_t kMaxParams = 1000;

class RequestParams {
public:
    /// Adds the pairs of a query string or form body. An error names what was wrong.
    Result<bool, std::string> add_form(std::string_view text);
    /// Adds the members of a JSON object body.
    Result<bool, std::string> add_json(std::string_view text);
    /// Adds one pair as it is (tests, path parameters).
    void add(std::string name, std::string value);

    /// The first value of `name`; nullopt when absent.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    /// Every value of `name` (for arrays, name them with the brackets: "parts[]").
    [[nodiscard]] std::vector<std::string_view> all(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }
    /// The value as a whole number; nullopt when absent, an error when it is not one.
    [[nodiscard]] Result<std::optional<int64_t>, std::string> integer(std::string_view name) const;
    /// The value as PHP's boolean reading of Talk's parameters: "1", "true", "on", "yes" are true,
    /// "0", "false", "off", "no", "" false; anything else is an error.
    [[nodiscard]] Result<std::optional<bool>, std::string> boolean(std::string_view name) const;

    [[nodiscard]] std::size_t size() const noexcept { return pairs_.size(); }
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& pairs() const noexcept {
        return pairs_;
    }

private:
    Result<bool, std::string> push(std::string name, std::string value);

    std::vector<std::pair<std::string, std::string>> pairs_;
};

/// Percent-decodes one form component ('+' is a space); nullopt for a bad escape, a NUL byte or
/// text that is not UTF-8.
std::optional<std::string> form_decode(std::string_view text);

}  // namespace tern::sig::backend::rest
