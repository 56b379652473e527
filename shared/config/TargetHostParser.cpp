#include "config/TargetHostParser.h"

#include "config/ConfigValues.h"

#include <QHostAddress>
#include <QRegularExpression>

namespace aap::config {

namespace {

QString quoted(const QString &value)
{
    return QLatin1Char('\'') + values::displayValue(value) + QLatin1Char('\'');
}

bool isHostName(const QString &host)
{
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-"
                                                        "Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$"));
    return host.size() <= 253 && name.match(host).hasMatch();
}

// Path characters of RFC 3986 (pchar and '/'); percent-escapes must be complete.
bool isValidPath(const QString &path)
{
    static const QRegularExpression valid(
        QStringLiteral("^(/([A-Za-z0-9\\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$"));
    if (!valid.match(path).hasMatch())
        return false;
    const QStringList segments = path.split(QLatin1Char('/'));
    return std::none_of(segments.cbegin(), segments.cend(),
                        [](const QString &s) { return s == u"." || s == u".."; });
}

} // namespace

Expected<TargetUrl, QString> TargetHostParser::parse(const QString &text)
{
    const QString value = text.trimmed();
    if (value.isEmpty())
        return Unexpected(QStringLiteral("the target host is empty"));

    TargetUrl target;
    QString rest = value;
    const qsizetype schemeEnd = value.indexOf(QStringLiteral("://"));
    if (schemeEnd >= 0) {
        target.scheme = value.left(schemeEnd).toLower();
        if (target.scheme != u"https" && target.scheme != u"http")
            return Unexpected(quoted(text) + QStringLiteral(" has scheme '") + value.left(schemeEnd) +
                              QStringLiteral("'; only https:// and http:// are supported"));
        rest = value.mid(schemeEnd + 3);
    }
    if (rest.contains(QLatin1Char('?')) || rest.contains(QLatin1Char('#')))
        return Unexpected(quoted(text) + QStringLiteral(" must not contain a query or a fragment"));

    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    const QString authority = slash >= 0 ? rest.left(slash) : rest;
    QString path = slash >= 0 ? rest.mid(slash) : QString();
    if (authority.contains(QLatin1Char('@')))
        return Unexpected(quoted(text) + QStringLiteral(" must not contain user info"));
    if (authority.isEmpty())
        return Unexpected(quoted(text) + QStringLiteral(" has no host"));

    QString host;
    QString portText;
    bool hasPort = false;
    if (authority.startsWith(QLatin1Char('['))) {
        const qsizetype close = authority.indexOf(QLatin1Char(']'));
        if (close < 0)
            return Unexpected(quoted(text) + QStringLiteral(" has an unterminated '[' in the host"));
        host = authority.mid(1, close - 1);
        const QString after = authority.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(QLatin1Char(':')))
                return Unexpected(quoted(text) +
                                  QStringLiteral(" has characters after ']' that are not a port"));
            hasPort = true;
            portText = after.mid(1);
        }
        QHostAddress address;
        if (!address.setAddress(host) || address.protocol() != QAbstractSocket::IPv6Protocol)
            return Unexpected(quoted(text) + QStringLiteral(" has an invalid IPv6 address in brackets"));
        host = address.toString();
    } else {
        const qsizetype colons = authority.count(QLatin1Char(':'));
        if (colons > 1)
            return Unexpected(
                quoted(text) +
                QStringLiteral(" looks like an IPv6 address without brackets; write [address]:port"));
        if (colons == 1) {
            hasPort = true;
            host = authority.left(authority.indexOf(QLatin1Char(':')));
            portText = authority.mid(authority.indexOf(QLatin1Char(':')) + 1);
        } else {
            host = authority;
        }
        if (!isHostName(host))
            return Unexpected(quoted(text) +
                              QStringLiteral(" does not contain a valid host name or IP address"));
        host = host.toLower();
        if (host.endsWith(QLatin1Char('.')))
            host.chop(1);
    }
    target.host = host;

    if (hasPort) {
        auto port = values::parsePort(portText);
        if (!port)
            return Unexpected(quoted(text) + QStringLiteral(": ") + port.error());
        target.port = *port;
    } else {
        target.port = target.isTls() ? 443 : 80;
    }

    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (!isValidPath(path))
        return Unexpected(quoted(text) + QStringLiteral(" has an invalid base path"));
    target.basePath = path;
    return target;
}

} // namespace aap::config
