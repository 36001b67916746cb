#include "signaling/backend/rest/ocs_envelope.hpp"

#include "signaling/api/json_writer.hpp"

#include <simdjson.h>

namespace tern::sig::backend::rest {

namespace {

bool contains(std::string_view text, std::string_view what) noexcept {
    return text.find(what) != std::string_view::npos;
}

bool is_success(int status) noexcept {
    return status >= 200 && status < 300;
}

int v1_code(int status) noexcept {
    if (is_success(status)) {
        return 100;
    }
    if (status == 401) {
        return 997;
    }
    if (status == 404) {
        return 998;
    }
    return status;
}

void append_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 has no control characters but tab, CR and LF.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                out += "&#xFFFD;";
            } else {
                out.push_back(c);
            }
        }
    }
}

/// A member name usable as an element name: ASCII letters, digits, '_', '-', '.', not starting
/// with a digit, '-' or '.', and not "xml..." (reserved).
bool xml_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    const auto letter = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!letter(name.front())) {
        return false;
    }
    for (const char c : name) {
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') {
            return false;
        }
    }
    return !(name.size() >= 3 && (name[0] | 0x20) == 'x' && (name[1] | 0x20) == 'm' &&
             (name[2] | 0x20) == 'l');
}

void write_xml(std::string& out, simdjson::dom::element e, int depth);

void write_element(std::string& out, std::string_view name, simdjson::dom::element e, int depth) {
    out.append(static_cast<std::size_t>(depth), ' ');
    out += '<';
    out += name;
    out += '>';
    const auto t = e.type();
    if (t == simdjson::dom::element_type::OBJECT || t == simdjson::dom::element_type::ARRAY) {
        out += '\n';
        write_xml(out, e, depth + 1);
        out.append(static_cast<std::size_t>(depth), ' ');
    } else {
        write_xml(out, e, depth + 1);
    }
    out += "</";
    out += name;
    out += ">\n";
}

void write_xml(std::string& out, simdjson::dom::element e, int depth) {
    simdjson::dom::object object;
    simdjson::dom::array array;
    std::string_view text;
    bool flag = false;
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
        if (e.get(object) != simdjson::SUCCESS) {
            break;
        }
        for (auto [key, value] : object) {
            write_element(out, xml_name(key) ? key : std::string_view("element"), value, depth);
        }
        break;
    case simdjson::dom::element_type::ARRAY:
        if (e.get(array) != simdjson::SUCCESS) {
            break;
        }
        for (simdjson::dom::element item : array) {
            write_element(out, "element", item, depth);
        }
        break;
    case simdjson::dom::element_type::STRING:
        if (e.get(text) == simdjson::SUCCESS) {
            append_escaped(out, text);
        }
        break;
    case simdjson::dom::element_type::BOOL:
        if (e.get(flag) == simdjson::SUCCESS && flag) {
            out += '1';
        }
        break;
    case simdjson::dom::element_type::NULL_VALUE: break;
    default: out += simdjson::to_string(e);
    }
}

}  // namespace

OcsFormat ocs_format(std::string_view format, std::string_view accept) noexcept {
    if (format == "xml") {
        return OcsFormat::Xml;
    }
    if (format == "json") {
        return OcsFormat::Json;
    }
    if ((contains(accept, "application/xml") || contains(accept, "text/xml")) &&
        !contains(accept, "application/json")) {
        return OcsFormat::Xml;
    }
    return OcsFormat::Json;
}

int ocs_http_status(OcsApi api, int status) noexcept {
    if (api == OcsApi::V2) {
        return status;
    }
    return status == 401 ? 401 : (status == 304 ? 304 : 200);
}

std::string_view ocs_content_type(OcsFormat format) noexcept {
    return format == OcsFormat::Xml ? "application/xml; charset=utf-8"
                                    : "application/json; charset=utf-8";
}

std::string ocs_body(OcsApi api, OcsFormat format, int status, std::string_view message,
                     std::string_view data_json) {
    const bool ok = is_success(status);
    const int code = api == OcsApi::V1 ? v1_code(status) : status;
    const std::string_view text = message.empty() && ok ? std::string_view("OK") : message;
    const std::string_view data = data_json.empty() ? std::string_view("[]") : data_json;
    std::string out;
    if (format == OcsFormat::Json) {
        api::JsonWriter w(out);
        w.begin_object().key("ocs").begin_object().key("meta").begin_object();
        w.field("status", ok ? "ok" : "failure").field("statuscode", code).field("message", text);
        w.end_object().raw_field("data", data).end_object().end_object();
        return out;
    }
    out += "<?xml version=\"1.0\"?>\n<ocs>\n <meta>\n  <status>";
    out += ok ? "ok" : "failure";
    out += "</status>\n  <statuscode>" + std::to_string(code) + "</statuscode>\n  <message>";
    append_escaped(out, text);
    out += "</message>\n </meta>\n <data>";
    const std::string inner = json_to_xml(data);
    if (!inner.empty()) {
        out += '\n';
        out += inner;
        out += ' ';
    }
    out += "</data>\n</ocs>\n";
    return out;
}

std::string json_to_xml(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        return {};
    }
    std::string out;
    write_xml(out, root, 2);
    return out;
}

}  // namespace tern::sig::backend::rest
