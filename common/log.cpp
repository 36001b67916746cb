#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace tern {

namespace {

std::atomic<LogLevel>& min_level() {
    static std::atomic<LogLevel> level = [] {
        const char* env = std::getenv("TERN_LOG_LEVEL");
        if (env != nullptr && std::strcmp(env, "debug") == 0) {
            return LogLevel::Debug;
        }
        if (env != nullptr && std::strcmp(env, "warn") == 0) {
            return LogLevel::Warn;
        }
        return LogLevel::Info;
    }();
    return level;
}

constexpr const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    }
    return "?";
}

}  // namespace

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out;
}

void Logger::set_level(LogLevel l) {
    min_level().store(l);
}

void Logger::write(LogLevel level, std::string_view msg, std::initializer_list<LogField> f) const {
    if (level < min_level().load(std::memory_order_relaxed)) {
        return;
    }
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char when[64];
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900,
                  t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
    std::string line = "{\"ts\":\"";
    line += when;
    line += "\",\"level\":\"";
    line += level_name(level);
    line +=
        "\",\"component\":\"" + json_escape(component_) + "\",\"msg\":\"" + json_escape(msg) + "\"";
    for (const LogField& field : f) {
        line += ",\"" + json_escape(field.key) + "\":";
        std::visit(
            [&](const auto& v) {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, std::string_view> ||
                              std::is_same_v<V, std::string>) {
                    line += "\"" + json_escape(v) + "\"";
                } else if constexpr (std::is_same_v<V, bool>) {
                    line += v ? "true" : "false";
                } else {
                    line += std::to_string(v);
                }
            },
            field.value);
    }
    line += "}\n";
    static std::mutex mu;
    const std::lock_guard lock(mu);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tern
