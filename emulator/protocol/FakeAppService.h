#pragma once

#include "protocol/FakeTokenServer.h"

namespace aap::test {

// App Service / Functions / Container Apps identity endpoint: GET /msi/token with the exact
// X-IDENTITY-HEADER (missing: 400, wrong: 401), api-version=2019-08-01, a resource, at most one of
// client_id / principal_id / object_id / mi_res_id and nothing else. Answers expires_on as a string
// of Unix seconds (or, optionally, a legacy date string) and no expires_in.
class FakeAppService final : public FakeTokenServer {
    Q_OBJECT

public:
    explicit FakeAppService(QObject *parent = nullptr);

    [[nodiscard]] QUrl identityEndpoint() const;
    // The secret IDENTITY_HEADER value (compare, never print).
    [[nodiscard]] const QByteArray &identityHeader() const { return m_identityHeader; }
    [[nodiscard]] const QString &systemClientId() const { return m_systemClientId; }
    void addUserAssigned(const Identity &identity) { m_userAssigned.append(identity); }
    // How expires_on is written: Unix seconds (current API), or one of the date strings of the
    // legacy APIs, "MM/dd/yyyy HH:mm:ss +00:00" or RFC 3339.
    enum class ExpiryFormat { UnixSeconds, LegacyDate, Rfc3339 };
    void setExpiryFormat(ExpiryFormat format) { m_expiryFormat = format; }
    void setLifetime(qint64 seconds) { m_lifetime = seconds; }

protected:
    Reply handle(const RecordedRequest &request) override;

private:
    QByteArray m_identityHeader;
    QString m_systemClientId;
    QList<Identity> m_userAssigned;
    ExpiryFormat m_expiryFormat = ExpiryFormat::UnixSeconds;
    qint64 m_lifetime = 86400;
};

} // namespace aap::test
