#include "signaling/backend/rest/request_params.hpp"

#include "common/ascii.hpp"
#include "signaling/backend/chat/message_text.hpp"

#include <simdjson.h>

#include <charconv>

namespace tern::sig::backend::rest {

namespace {

/// A scalar JSON value as the text PHP would see; nullopt for null, objects and arrays.
std::optional<std::string> scalar_text(simdjson::dom::element e) {
    std::string_view text;
    bool flag = false;
    switch (e.type()) {
    case simdjson::dom::element_type::STRING:
        if (e.get(text) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return std::string(text);
    case simdjson::dom::element_type::BOOL:
        if (e.get(flag) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return std::string(flag ? "true" : "false");
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return simdjson::to_string(e);
    default: return std::nullopt;
    }
}

}  // namespace

std::optional<std::string> form_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int hi = hex_digit_value(text[i + 1]);
            const int lo = hex_digit_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    if (out.find('\0') != std::string::npos || !utf8_length(out)) {
        return std::nullopt;
    }
    return out;
}

Result<bool, std::string> RequestParams::push(std::string name, std::string value) {
    if (pairs_.size() >= kMaxParams) {
        return unexpected("more than " + std::to_string(kMaxParams) + " parameters");
    }
    pairs_.emplace_back(std::move(name), std::move(value));
    return true;
}

void RequestParams::add(std::string name, std::string value) {
    pairs_.emplace_back(std::move(name), std::move(value));
}

Result<bool, std::string> RequestParams::add_form(std::string_view text) {
    while (!text.empty()) {
        const std::size_t amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const std::size_t eq = pair.find('=');
        auto name = form_decode(pair.substr(0, eq));
        auto value =
            form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!name || !value) {
            return unexpected(std::string("a parameter is not well-formed (bad % escape, NUL byte "
                                          "or not UTF-8)"));
        }
        if (name->empty()) {
            continue;
        }
        if (auto r = push(std::move(*name), std::move(*value)); !r) {
            return r;
        }
    }
    return true;
}

Result<bool, std::string> RequestParams::add_json(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
        return unexpected(std::string("the body is not valid JSON"));
    }
    simdjson::dom::object object;
    if (root.get(object) != simdjson::SUCCESS) {
        return unexpected(std::string("the JSON body must be an object"));
    }
    for (auto [key, value] : object) {
        std::string name(key);
        if (value.is_null()) {
            continue;
        }
        if (auto s = scalar_text(value)) {
            if (auto r = push(std::move(name), std::move(*s)); !r) {
                return r;
            }
            continue;
        }
        simdjson::dom::array list;
        bool scalars = value.get(list) == simdjson::SUCCESS;
        if (scalars) {
            for (simdjson::dom::element item : list) {
                scalars = scalars && scalar_text(item).has_value();
            }
        }
        if (scalars) {
            for (simdjson::dom::element item : list) {
                if (auto r = push(name + "[]", *scalar_text(item)); !r) {
                    return r;
                }
            }
            continue;
        }
        if (auto r = push(std::move(name), simdjson::to_string(value)); !r) {
            return r;
        }
    }
    return true;
}

std::optional<std::string_view> RequestParams::get(std::string_view name) const {
    for (const auto& [k, v] : pairs_) {
        if (k == name) {
            return std::string_view(v);
        }
    }
    return std::nullopt;
}

std::vector<std::string_view> RequestParams::all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : pairs_) {
        if (k == name) {
            out.emplace_back(v);
        }
    }
    return out;
}

Result<std::optional<int64_t>, std::string> RequestParams::integer(std::string_view name) const {
    const auto v = get(name);
    if (!v) {
        return std::optional<int64_t>{};
    }
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc{} || end != v->data() + v->size()) {
        return unexpected(std::string(name) + " must be a whole number");
    }
    return std::optional<int64_t>{n};
}

Result<std::optional<bool>, std::string> RequestParams::boolean(std::string_view name) const {
    const auto v = get(name);
    if (!v) {
        return std::optional<bool>{};
    }
    if (*v == "1" || *v == "true" || *v == "on" || *v == "yes") {
        return std::optional<bool>{true};
    }
    if (*v == "0" || *v == "false" || *v == "off" || *v == "no" || v->empty()) {
        return std::optional<bool>{false};
    }
    return unexpected(std::string(name) + " must be true or false (1 or 0)");
}

}  // namespace tern::sig::backend::rest
