#pragma once

#include "protocol/FakeTokenServer.h"

#include <QTemporaryDir>

namespace aap::test {

// Azure Arc HIMDS: an unauthenticated request (Metadata: true, api-version 2019-11-01 or
// 2020-06-01, resource) gets 401 "WWW-Authenticate: Basic realm=<dir>/<random>.key", with a fresh
// key written to a temporary token directory on every challenge (the previous key file is removed).
// The repeated request must carry "Authorization: Basic <exact file contents>". Point the provider
// at tokenDirectory() with ArcProvider::setTokenDirectoryForTesting(). Injected faults apply to the
// authorized step only; the challenge step is shaped with setChallenge().
class FakeArc final : public FakeTokenServer {
    Q_OBJECT

public:
    enum class Challenge {
        Normal,        // 401 + Basic realm=<fresh key file>
        NoHeader,      // 401 without WWW-Authenticate
        NoRealm,       // 401 + "Basic"
        NotBasic,      // 401 + "Bearer realm=<fresh key file>"
        Answer200,     // no challenge: a token right away
        RealmOverride, // 401 + Basic realm=<path set by the test>
    };

    explicit FakeArc(QObject *parent = nullptr);

    // Where challenge key files go: a private temporary directory unless set (the emulator
    // uses its state directory, or /var/opt/azcmagent/tokens when run as root).
    [[nodiscard]] QString tokenDirectory() const;
    void setTokenDirectory(const QString &directory) { m_tokenDirectory = directory; }
    void setExpiresIn(qint64 seconds) { m_expiresIn = seconds; }
    [[nodiscard]] QUrl identityEndpoint() const;
    [[nodiscard]] QUrl imdsEndpoint() const { return baseUrl(); }

    void setChallenge(Challenge challenge, const QString &realmOverride = {});
    // A legacy agent ignores client_id and answers for the system identity.
    void setLegacyIgnoresClientId(bool legacy) { m_legacy = legacy; }
    [[nodiscard]] const QString &systemClientId() const { return m_systemClientId; }

    [[nodiscard]] int challengeCount() const { return m_challenges; }
    [[nodiscard]] int authorizedCount() const { return m_authorized; }
    // Authorization values that did not match the current key.
    [[nodiscard]] int rejectedKeyCount() const { return m_rejectedKeys; }
    // Every key file path handed out, in order (paths are not secrets; contents are).
    [[nodiscard]] const QStringList &issuedKeyPaths() const { return m_keyPaths; }

protected:
    Reply handle(const RecordedRequest &request) override;
    [[nodiscard]] bool faultApplies(const RecordedRequest &request) const override;

private:
    QString rotateKey();

    QTemporaryDir m_directory;
    QString m_tokenDirectory;
    qint64 m_expiresIn = 86399;
    Challenge m_challenge = Challenge::Normal;
    QString m_realmOverride;
    bool m_legacy = false;
    QString m_systemClientId;
    QByteArray m_currentKey;
    QStringList m_keyPaths;
    int m_challenges = 0;
    int m_authorized = 0;
    int m_rejectedKeys = 0;
};

} // namespace aap::test
