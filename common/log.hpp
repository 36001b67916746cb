// Structured logging: one JSON object per line on stderr, with a component and key/value fields.
//
//   log_.warn("dtls handshake failed", {{"session", sid}, {"peer", addr}});
//
// Control-path only: the data plane's lcores never call this per packet (they count instead).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace tern {

enum class LogLevel : uint8_t { Debug, Info, Warn, Error };

struct LogField {
    using Value = std::variant<std::string_view, std::string, int64_t, uint64_t, double, bool>;
    std::string_view key;
    Value value;

    LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
    LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
    LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
    LogField(std::string_view k, bool v) : key(k), value(v) {}
    LogField(std::string_view k, double v) : key(k), value(v) {}
    template <class I>
        requires std::is_integral_v<I>
    LogField(std::string_view k, I v)
        : key(k), value(std::is_signed_v<I> ? Value(static_cast<int64_t>(v))
                                            : Value(static_cast<uint64_t>(v))) {}
};

class Logger {
public:
    explicit Logger(std::string_view component) : component_(component) {}

    void debug(std::string_view msg, std::initializer_list<LogField> f = {}) const {
        write(LogLevel::Debug, msg, f);
    }
    void info(std::string_view msg, std::initializer_list<LogField> f = {}) const {
        write(LogLevel::Info, msg, f);
    }
    void warn(std::string_view msg, std::initializer_list<LogField> f = {}) const {
        write(LogLevel::Warn, msg, f);
    }
    void error(std::string_view msg, std::initializer_list<LogField> f = {}) const {
        write(LogLevel::Error, msg, f);
    }

    /// Process-wide minimum level (default Info; TERN_LOG_LEVEL=debug lowers it).
    static void set_level(LogLevel l);

private:
    void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> f) const;

    std::string component_;
};

/// JSON string escaping, shared by the logger and the admin socket's JSON.
std::string json_escape(std::string_view s);

}  // namespace tern
