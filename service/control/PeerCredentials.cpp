#include "control/PeerCredentials.h"

#ifdef Q_OS_LINUX
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>
#endif

namespace aap::control {

std::optional<PeerCredentials> PeerCredentials::ofSocket(qintptr descriptor)
{
#ifdef Q_OS_LINUX
    ucred credentials{};
    socklen_t length = sizeof(credentials);
    if (::getsockopt(static_cast<int>(descriptor), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        return std::nullopt;
    return PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
#else
    Q_UNUSED(descriptor);
    return std::nullopt;
#endif
}

bool PeerCredentials::mayWrite(const QString &adminGroup) const
{
#ifdef Q_OS_LINUX
    if (uid == 0 || uid == ::geteuid())
        return true;
    const QByteArray groupName = adminGroup.toLocal8Bit();
    group groupEntry{};
    group *groupFound = nullptr;
    std::vector<char> buffer(16384);
    if (::getgrnam_r(groupName.constData(), &groupEntry, buffer.data(), buffer.size(), &groupFound) != 0 ||
        groupFound == nullptr)
        return false; // no admin group: only root and the service user write
    const gid_t adminGid = groupFound->gr_gid;
    if (gid == adminGid)
        return true;
    // SO_PEERCRED has no supplementary groups: ask the group database about the peer's user.
    passwd userEntry{};
    passwd *userFound = nullptr;
    std::vector<char> userBuffer(16384);
    if (::getpwuid_r(uid, &userEntry, userBuffer.data(), userBuffer.size(), &userFound) != 0 ||
        userFound == nullptr)
        return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(userFound->pw_name, gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        if (::getgrouplist(userFound->pw_name, gid, groups.data(), &count) < 0)
            return false;
    }
    groups.resize(static_cast<std::size_t>(count));
    return std::find(groups.begin(), groups.end(), adminGid) != groups.end();
#else
    // Windows has no SO_PEERCRED: ControlSession asks the pipe about its client at hello.
    Q_UNUSED(adminGroup);
    return false;
#endif
}

} // namespace aap::control
