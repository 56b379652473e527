#include "inbound/InboundGuard.h"

#include "http/HttpSyntax.h"
#include "http/MessageHead.h"
#include "inbound/ConstantTime.h"

#include <QCryptographicHash>

namespace aap::inbound {

namespace {

QByteArray digest(QByteArrayView key)
{
    return QCryptographicHash::hash(key, QCryptographicHash::Sha256);
}

InboundRejection unauthorized(const QString &message)
{
    return {401, QByteArrayLiteral("unauthorized"), message};
}

InboundRejection forbidden(const QString &message)
{
    return {403, QByteArrayLiteral("forbidden"), message};
}

} // namespace

InboundGuard::InboundGuard(const config::InboundAuthConfig &config, const QList<config::Secret> &keys)
    : m_mutualTls(!config.clientCaPath.isEmpty()), m_keyHeader(config.apiKeyHeader)
{
    for (const QString &entry : config.allowedCidrs) {
        auto subnet = QHostAddress::parseSubnet(entry);
        if (subnet.first.isNull()) {
            // A single address (validated by the configuration loader): a full-length prefix.
            const QHostAddress single(entry);
            subnet = {single, single.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32};
        }
        m_allowed.append(subnet);
    }
    for (const config::Secret &key : keys)
        m_keyDigests.append(digest(key.reveal().toUtf8()));
}

std::optional<InboundRejection> InboundGuard::checkPeer(const Peer &peer) const
{
    if (!m_allowed.isEmpty()) {
        // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; IPv4 ranges must match it.
        QHostAddress address = peer.address;
        bool isV4 = false;
        const quint32 v4 = address.toIPv4Address(&isV4);
        if (isV4)
            address = QHostAddress(v4);
        const bool allowed = std::any_of(m_allowed.cbegin(), m_allowed.cend(),
                                         [&](const auto &subnet) { return address.isInSubnet(subnet); });
        if (!allowed)
            return forbidden(QStringLiteral("the client address is not in the listener's allowed ranges"));
    }
    if (m_mutualTls) {
        if (!peer.certificatePresented)
            return unauthorized(QStringLiteral("a client certificate is required"));
        if (!peer.certificateTrusted)
            return forbidden(QStringLiteral("the client certificate is not issued by a trusted client CA"));
    }
    return std::nullopt;
}

std::optional<InboundRejection> InboundGuard::checkRequest(const http::MessageHead &request) const
{
    if (m_keyDigests.isEmpty())
        return std::nullopt;
    bool presented = false;
    bool accepted = false;
    // Every candidate is checked (no early exit), so the time does not tell which one matched.
    const auto consider = [&](QByteArrayView key) {
        presented = true;
        accepted = keyAccepted(key) || accepted;
    };
    for (qsizetype i = request.indexOf("authorization"); i >= 0;
         i = request.indexOf("authorization", i + 1)) {
        const QByteArrayView value = http::syntax::trimOws(request.headerValue(i));
        constexpr QByteArrayView scheme("ApiKey ");
        if (value.size() > scheme.size() &&
            http::syntax::equalsIgnoreCase(value.first(scheme.size()), scheme))
            consider(http::syntax::trimOws(value.sliced(scheme.size())));
    }
    for (qsizetype i = request.indexOf(m_keyHeader); i >= 0; i = request.indexOf(m_keyHeader, i + 1))
        consider(http::syntax::trimOws(request.headerValue(i)));
    if (!presented)
        return unauthorized(QStringLiteral("an API key is required (Authorization: ApiKey <key> or ") +
                            QString::fromLatin1(m_keyHeader) + QStringLiteral(")"));
    if (!accepted)
        return unauthorized(QStringLiteral("the API key is not valid"));
    return std::nullopt;
}

bool InboundGuard::keyAccepted(QByteArrayView presented) const
{
    const QByteArray candidate = digest(presented);
    bool match = false;
    for (const QByteArray &known : m_keyDigests)
        match = ConstantTime::equals(candidate, known) || match;
    return match;
}

} // namespace aap::inbound
