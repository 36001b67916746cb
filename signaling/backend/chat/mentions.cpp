#include "signaling/backend/chat/mentions.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/rooms/system_message.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace tern::sig::backend {

namespace {

bool name_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '.' || c == '-' || c == '@' || c == '\'';
}

bool word_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_';
}

bool equal_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

class Resolver {
public:
    Resolver(const std::vector<Participant>& participants, const MentionRoom& room,
             std::map<std::string, std::string> parameters)
        : participants_(participants), room_(room), parameters_(std::move(parameters)) {}

    /// The placeholder for the mention `id`; empty when it names nobody in the room.
    std::string placeholder(std::string_view id) {
        if (equal_nocase(id, "all")) {
            return key_for("call", std::nullopt, nullptr);
        }
        for (const Participant& p : participants_) {
            if (p.actor.type == ActorType::Users && equal_nocase(p.actor.id, id)) {
                return key_for("user", p.actor, &p);
            }
            if (p.actor.type == ActorType::Guests && id.size() > 6 && id.substr(0, 6) == "guest/" &&
                id.substr(6) == p.actor.id) {
                return key_for("guest", p.actor, &p);
            }
        }
        return {};
    }

    ParsedMessage finish(std::string message) {
        std::string params;
        api::JsonWriter w(params);
        w.begin_object();
        for (const auto& [key, rich] : parameters_) {
            w.raw_field(key, rich);
        }
        w.end_object();
        return ParsedMessage{std::move(message), std::move(params), std::move(mentions_)};
    }

private:
    std::string key_for(const char* kind, const std::optional<Actor>& actor, const Participant* p) {
        const ChatMention mention{actor};
        for (const auto& [key, m] : keys_) {
            if (m == mention) {
                return key;
            }
        }
        std::string key = "mention-" + std::string(kind) + std::to_string(++counts_[kind]);
        keys_.emplace_back(key, mention);
        mentions_.push_back(mention);
        parameters_.emplace(key, p != nullptr ? rich_actor(NamedActor{p->actor, p->display_name})
                                              : rich_room());
        return key;
    }

    std::string rich_room() const {
        std::string out;
        api::JsonWriter w(out);
        w.begin_object()
            .field("type", "call")
            .field("id", room_.token)
            .field("name", room_.name)
            .field("call-type", room_.one_to_one ? "one2one" : "group")
            .end_object();
        return out;
    }

    const std::vector<Participant>& participants_;  // borrowed
    const MentionRoom& room_;                       // borrowed
    std::vector<std::pair<std::string, ChatMention>> keys_;
    std::map<std::string, int> counts_;
    std::map<std::string, std::string> parameters_;
    std::vector<ChatMention> mentions_;
};

}  // namespace

ParsedMessage parse_mentions(std::string_view text, const std::vector<Participant>& participants,
                             const MentionRoom& room,
                             const std::map<std::string, std::string>& extra_parameters) {
    Resolver resolver(participants, room, extra_parameters);
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const bool at_mention = text[i] == '@' && (i == 0 || !word_char(text[i - 1]));
        if (!at_mention) {
            out.push_back(text[i++]);
            continue;
        }
        std::string_view id;
        std::size_t end = i + 1;
        if (end < text.size() && text[end] == '"') {
            const std::size_t close = text.find_first_of("\"\n", end + 1);
            if (close != std::string_view::npos && text[close] == '"') {
                id = text.substr(end + 1, close - end - 1);
                end = close + 1;
            }
        } else {
            while (end < text.size() && name_char(text[end])) {
                ++end;
            }
            id = text.substr(i + 1, end - i - 1);
        }
        std::string key;
        while (!id.empty()) {
            key = resolver.placeholder(id);
            const bool quoted = text[i + 1] == '"';
            if (!key.empty() || quoted ||
                (id.back() != '.' && id.back() != '-' && id.back() != '\'')) {
                break;
            }
            id.remove_suffix(1);
            --end;
        }
        if (key.empty()) {
            out.push_back(text[i++]);
            continue;
        }
        out += "{" + key + "}";
        i = end;
    }
    return resolver.finish(std::move(out));
}

}  // namespace tern::sig::backend
