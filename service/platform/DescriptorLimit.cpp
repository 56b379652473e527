#include "platform/DescriptorLimit.h"

#include "log/LogField.h"
#include "log/Logging.h"

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace aap::platform {

namespace {

// RLIM_INFINITY shows as the largest value; logs say "unlimited".
QString describe(std::uint64_t limit)
{
#ifdef Q_OS_UNIX
    if (limit == static_cast<std::uint64_t>(RLIM_INFINITY)) {
        return QStringLiteral("unlimited");
    }
#endif
    return QString::number(limit);
}

} // namespace

DescriptorLimit::Limits DescriptorLimit::current()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        return {static_cast<std::uint64_t>(limit.rlim_cur), static_cast<std::uint64_t>(limit.rlim_max)};
    }
#endif
    return {};
}

DescriptorLimit::Limits DescriptorLimit::raiseToHard()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            qCWarning(lcPlatform).noquote()
                << "cannot raise the descriptor limit" << log::LogField::kv("soft", describe(before))
                << log::LogField::kv("hard", describe(limit.rlim_max));
        }
    }
#endif
    const Limits now = current();
    if (now.hard == 0 && now.soft == 0) {
        return now;
    }
    if (now.soft < kLowLimit) {
        qCWarning(lcPlatform).noquote()
            << "descriptor limit is low; raise it (systemd: LimitNOFILE=65536, shell: ulimit -Hn)"
            << log::LogField::kv("limit", describe(now.soft))
            << log::LogField::kv("recommended", kLowLimit * 16);
    } else {
        qCInfo(lcPlatform).noquote() << "descriptor limit" << log::LogField::kv("limit", describe(now.soft));
    }
    return now;
}

} // namespace aap::platform
