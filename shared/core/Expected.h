#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include <gsl/assert>

namespace aap {

// The error side of an Expected, spelled like std::unexpected so call sites read the same.
template <typename E> class Unexpected {
public:
    explicit Unexpected(E error) : m_error(std::move(error)) {}
    E &error() & { return m_error; }
    E &&error() && { return std::move(m_error); }

private:
    E m_error;
};

template <typename E> Unexpected(E) -> Unexpected<E>;

// A small std::expected: errors on the data path and in parsing are values. std::expected itself
// is not used because clang-tidy 14 (Debian 12) cannot parse libstdc++ 12's <expected>.
template <typename T, typename E> class Expected {
public:
    using value_type = T;
    using error_type = E;

    // Implicit on purpose, like std::expected: `return value;` in a function returning Expected.
    // Constrained to exclude Expected itself, which clang-tidy 14 does not see through `requires`.
    // NOLINTBEGIN(bugprone-forwarding-reference-overload)
    template <typename U = T>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, Expected>)
        Expected(U &&value)
        : m_storage(std::in_place_index<0>, std::forward<U>(value))
    {}
    // NOLINTEND(bugprone-forwarding-reference-overload)

    template <typename G>
    Expected(Unexpected<G> error) : m_storage(std::in_place_index<1>, std::move(error).error())
    {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool has_value() const noexcept { return m_storage.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T &value() &
    {
        Expects(has_value());
        return std::get<0>(m_storage);
    }
    const T &value() const &
    {
        Expects(has_value());
        return std::get<0>(m_storage);
    }
    T &&value() &&
    {
        Expects(has_value());
        return std::get<0>(std::move(m_storage));
    }

    E &error() &
    {
        Expects(!has_value());
        return std::get<1>(m_storage);
    }
    const E &error() const &
    {
        Expects(!has_value());
        return std::get<1>(m_storage);
    }
    E &&error() &&
    {
        Expects(!has_value());
        return std::get<1>(std::move(m_storage));
    }

    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    template <typename U> T value_or(U &&fallback) const &
    {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, E> m_storage;
};

// Expected<void, E>: success carries no value.
template <typename E> class Expected<void, E> {
public:
    Expected() = default;
    template <typename G>
    Expected(Unexpected<G> error)
        : m_error(std::move(error).error()), m_failed(true) {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool has_value() const noexcept { return !m_failed; }
    explicit operator bool() const noexcept { return has_value(); }
    const E &error() const &
    {
        Expects(m_failed);
        return m_error;
    }
    E &error() &
    {
        Expects(m_failed);
        return m_error;
    }

private:
    E m_error{};
    bool m_failed = false;
};

} // namespace aap
