#include "controlplane/admin/admin_verbs.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tern::cp {

std::string admin_error(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump();
}

void AdminVerbs::add(std::string name, Handler handler, std::size_t min_words,
                     std::size_t max_words) {
    verbs_.push_back(Verb{std::move(name), std::move(handler), min_words, max_words, false});
}

void AdminVerbs::add_prefix(std::string prefix, Handler handler) {
    verbs_.push_back(Verb{std::move(prefix), std::move(handler), 1, SIZE_MAX, true});
}

std::vector<std::string> AdminVerbs::split(std::string_view line) {
    std::vector<std::string> args;
    for (std::size_t i = 0; i < line.size();) {
        const std::size_t j = std::min(line.find(' ', i), line.size());
        if (j > i) {
            args.emplace_back(line.substr(i, j - i));
        }
        i = j + 1;
    }
    return args;
}

std::string AdminVerbs::handle(std::string_view line) const {
    const AdminRequest req{line, split(line)};
    if (!req.args.empty()) {
        const std::string& verb = req.args[0];
        for (const Verb& v : verbs_) {
            if (!v.prefix && v.name == verb && req.args.size() >= v.min_words &&
                req.args.size() <= v.max_words) {
                return v.handler(req);
            }
        }
        for (const Verb& v : verbs_) {
            if (v.prefix && verb.rfind(v.name, 0) == 0) {
                return v.handler(req);
            }
        }
    }
    // Named verbs that a prefix covers are not listed on their own.
    std::string known;
    for (const Verb& v : verbs_) {
        bool covered = false;
        for (const Verb& p : verbs_) {
            covered = covered || (p.prefix && !v.prefix && v.name.rfind(p.name, 0) == 0);
        }
        if (!covered &&
            known.find(" " + v.name + (v.prefix ? "*" : "") + ",") == std::string::npos) {
            known += " " + v.name + (v.prefix ? "*" : "") + ",";
        }
    }
    if (!known.empty()) {
        known.pop_back();
    }
    return admin_error("unknown request '" + std::string(line) + "' (known:" + known + ")");
}

}  // namespace tern::cp
