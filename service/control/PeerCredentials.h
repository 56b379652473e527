#pragma once

#include <QString>

#include <optional>

namespace aap::control {

// Who is on the other end of a local socket, as the kernel says (SO_PEERCRED on Linux).
struct PeerCredentials {
    qint64 pid = 0;
    quint32 uid = 0;
    quint32 gid = 0;

    // nullopt where the platform cannot tell (not Linux) or the call fails.
    [[nodiscard]] static std::optional<PeerCredentials> ofSocket(qintptr descriptor);
    // Root, the service's own user, or a member (primary or supplementary) of adminGroup.
    [[nodiscard]] bool mayWrite(const QString &adminGroup) const;
};

} // namespace aap::control
