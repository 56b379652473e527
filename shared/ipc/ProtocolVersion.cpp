#include "ipc/ProtocolVersion.h"

namespace aap::ipc {

using namespace Qt::StringLiterals;

namespace {

std::optional<int> parsePart(QStringView part)
{
    // Digits only: toInt() would also take "+1" and " 1".
    if (part.isEmpty() || part.size() > 6)
        return std::nullopt;
    for (const QChar c : part) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    return part.toInt();
}

} // namespace

std::optional<ProtocolVersion> ProtocolVersion::parse(const QString &text)
{
    const qsizetype dot = text.indexOf(u'.');
    if (dot < 0)
        return std::nullopt;
    const auto major = parsePart(QStringView(text).left(dot));
    const auto minor = parsePart(QStringView(text).mid(dot + 1));
    if (!major || !minor)
        return std::nullopt;
    return ProtocolVersion{*major, *minor};
}

QString ProtocolVersion::toString() const
{
    return u"%1.%2"_s.arg(major).arg(minor);
}

} // namespace aap::ipc
