// The admin socket's verbs (what ternctl asks): a registry from a request's first word to the
// handler that answers it with one JSON document. The verbs themselves are in admin/verbs/, one
// file each; main.cpp registers them with what they need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cp {

struct AdminRequest {
    std::string_view line;          // as received, without the newline
    std::vector<std::string> args;  // its words (split on spaces); args[0] is the verb
};

class AdminVerbs {
public:
    using Handler = std::function<std::string(const AdminRequest&)>;

    /// Answers requests whose first word is `name` and that have `min_words` to `max_words`
    /// words (the verb counted); other word counts fall through to the prefixes.
    void add(std::string name, Handler handler, std::size_t min_words = 1,
             std::size_t max_words = SIZE_MAX);
    /// Answers requests whose first word starts with `prefix`, when no named verb took them.
    void add_prefix(std::string prefix, Handler handler);

    /// The reply to one request line; an unknown verb gets an error naming the known ones.
    [[nodiscard]] std::string handle(std::string_view line) const;

    /// A request's words.
    static std::vector<std::string> split(std::string_view line);

private:
    struct Verb {
        std::string name;
        Handler handler;
        std::size_t min_words = 1;
        std::size_t max_words = SIZE_MAX;
        bool prefix = false;
    };
    std::vector<Verb> verbs_;  // in the order added (the error's list keeps it)
};

/// `{"error": message}`, the admin socket's refusal.
std::string admin_error(const std::string& message);

}  // namespace tern::cp
