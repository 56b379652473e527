#include "auth/credentials/ClientAssertion.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace aap::auth {

namespace {

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

qint64 secondsSinceEpoch(Clock::TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

} // namespace

Expected<QByteArray, CredentialError> ClientAssertion::build(const ClientCertificate &certificate,
                                                             const Parameters &parameters,
                                                             Clock::TimePoint now)
{
    if (now >= certificate.notAfter())
        return Unexpected(CredentialError{certificate.path(),
                                          certificate.path() +
                                              QStringLiteral(": the certificate has expired (subject ") +
                                              certificate.subject() + QStringLiteral(")")});

    QJsonObject header{{QStringLiteral("typ"), QStringLiteral("JWT")}};
    if (parameters.algorithm == config::AssertionAlgorithm::PS256) {
        header.insert(QStringLiteral("alg"), QStringLiteral("PS256"));
        header.insert(QStringLiteral("x5t#S256"), QString::fromLatin1(certificate.x5tS256()));
    } else {
        header.insert(QStringLiteral("alg"), QStringLiteral("RS256"));
        header.insert(QStringLiteral("x5t"), QString::fromLatin1(certificate.x5t()));
    }
    if (parameters.sendChain)
        header.insert(QStringLiteral("x5c"), QJsonArray::fromStringList(certificate.x5c()));

    const qint64 issuedAt = secondsSinceEpoch(now);
    const QJsonObject claims{
        {QStringLiteral("aud"), parameters.tokenUrl},
        {QStringLiteral("iss"), parameters.clientId},
        {QStringLiteral("sub"), parameters.clientId},
        {QStringLiteral("jti"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {QStringLiteral("nbf"), issuedAt},
        {QStringLiteral("iat"), issuedAt},
        {QStringLiteral("exp"),
         issuedAt + std::chrono::duration_cast<std::chrono::seconds>(lifetime).count()},
    };

    const QByteArray signingInput = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                                    base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    auto signature = certificate.sign(parameters.algorithm, signingInput);
    if (!signature)
        return Unexpected(std::move(signature).error());
    return QByteArray(signingInput + '.' + base64Url(*signature));
}

} // namespace aap::auth
