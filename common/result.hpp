// tern::Result<T, E>: a value or an error, with the std::expected interface we use.
// Network-influenced failures are values (style guide §4); swap for std::expected once on C++23.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace tern {

template <class E>
struct Unexpected {
    E error;
};

template <class E>
constexpr Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

template <class T, class E>
class Result {
public:
    constexpr Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    constexpr Result(Unexpected<E> err) : v_(std::in_place_index<1>, std::move(err.error)) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return v_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    // value() checks, as std::expected's does (std::bad_variant_access when there is none); *,
    // -> and error() have the precondition std::expected gives them and are noexcept, so they
    // can be used on the packet path in noexcept functions.
    constexpr T& value() & { return std::get<0>(v_); }
    constexpr const T& value() const& { return std::get<0>(v_); }
    constexpr T&& value() && { return std::get<0>(std::move(v_)); }
    constexpr T& operator*() & noexcept { return *get_value(); }
    constexpr const T& operator*() const& noexcept { return *get_value(); }
    constexpr T* operator->() noexcept { return get_value(); }
    constexpr const T* operator->() const noexcept { return get_value(); }
    constexpr const E& error() const noexcept { return *checked(std::get_if<1>(&v_)); }

private:
    // A broken precondition stops the process at the faulty call (std::expected has undefined
    // behaviour there), also under NDEBUG; it does not throw.
    template <class P>
    static constexpr P* checked(P* p) noexcept {
        if (p == nullptr) {
            std::abort();
        }
        return p;
    }
    constexpr T* get_value() noexcept { return checked(std::get_if<0>(&v_)); }
    constexpr const T* get_value() const noexcept { return checked(std::get_if<0>(&v_)); }

    std::variant<T, E> v_;
};

}  // namespace tern
