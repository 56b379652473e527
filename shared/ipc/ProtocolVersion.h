#pragma once

#include <QString>

#include <optional>

namespace aap::ipc {

// The control protocol's version, "major.minor". A peer refuses an unknown major version; a newer
// minor only adds optional fields and message types, which the other side ignores.
struct ProtocolVersion {
    int major = 0;
    int minor = 0;

    [[nodiscard]] static ProtocolVersion current() { return {1, 0}; }
    // "1.0" -> {1, 0}; anything else (missing minor, signs, spaces, huge numbers) -> nullopt.
    [[nodiscard]] static std::optional<ProtocolVersion> parse(const QString &text);
    [[nodiscard]] QString toString() const;

    friend bool operator==(const ProtocolVersion &, const ProtocolVersion &) = default;
};

} // namespace aap::ipc
