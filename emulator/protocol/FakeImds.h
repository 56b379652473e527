#pragma once

#include "protocol/FakeTokenServer.h"

namespace aap::test {

// Azure IMDS as strict as the real one: GET /metadata/identity/oauth2/token with exactly
// "Metadata: true" (else 400 bad_request_102), no X-Forwarded-For, no repeated or unknown query
// parameter, a known api-version, a resource without "/.default", at most one of client_id /
// object_id / msi_res_id naming an identity the VM has. Answers with every value a string.
class FakeImds final : public FakeTokenServer {
    Q_OBJECT

public:
    explicit FakeImds(QObject *parent = nullptr);

    // For AZURE_POD_IDENTITY_AUTHORITY_HOST / ImdsProvider::Options::authorityHost.
    [[nodiscard]] QUrl authorityHost() const { return baseUrl(); }

    // Client id of the VM's system-assigned identity; empty = the VM has none.
    void setSystemClientId(const QString &clientId) { m_systemClientId = clientId; }
    [[nodiscard]] const QString &systemClientId() const { return m_systemClientId; }
    void addUserAssigned(const Identity &identity) { m_userAssigned.append(identity); }
    void setExpiresIn(qint64 seconds) { m_expiresIn = seconds; }
    // xms_mirid of tokens for the system-assigned identity: the VM's resource id.
    [[nodiscard]] static QString systemResourceId();

protected:
    Reply handle(const RecordedRequest &request) override;

private:
    QString m_systemClientId;
    QList<Identity> m_userAssigned;
    qint64 m_expiresIn = 86399;
};

} // namespace aap::test
