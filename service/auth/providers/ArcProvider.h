#pragma once

#include "auth/TokenProvider.h"
#include "auth/providers/ManagedIdentitySelector.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/Clock.h"

#include <QProcessEnvironment>
#include <QUrl>

namespace aap::auth {

// Azure Arc-enabled server (HIMDS). Every fetch answers a challenge:
// 1. GET {IDENTITY_ENDPOINT}?api-version=2020-06-01&resource=... with "Metadata: true" must be
//    answered 401 with "WWW-Authenticate: Basic realm=<key file>";
// 2. the key file must sit directly in the agent's token directory, end in ".key", be a regular
//    file of at most 4096 bytes; its contents go verbatim into "Authorization: Basic <key>" of the
//    same request repeated. The key is never cached or logged.
// User-assigned identities are asked for by client_id and the answer must echo it: legacy agents
// silently hand out the system identity instead, so anything else fails closed.
class ArcProvider final : public TokenProvider {
    Q_OBJECT

public:
    struct Options {
        ManagedIdentitySelector identity;
        QUrl identityEndpoint = QUrl(QStringLiteral("http://localhost:40342/metadata/identity/oauth2/token"));
        QString programData = QStringLiteral("C:\\ProgramData"); // Windows: where the agent keeps its tokens

        // IDENTITY_ENDPOINT (set by the agent) and ProgramData.
        [[nodiscard]] static Options fromEnvironment(ManagedIdentitySelector identity,
                                                     const QProcessEnvironment &environment);
    };

    static constexpr qint64 kMaxKeyBytes = 4096;

    ArcProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override;

    // The directory key files must be in: /var/opt/azcmagent/tokens, or
    // %ProgramData%\AzureConnectedMachineAgent\Tokens on Windows.
    [[nodiscard]] static QString platformTokenDirectory(const QString &programData);

    // TEST HOOK ONLY: makes providers constructed afterwards accept key files from directory instead
    // of the agent's directory (empty string restores it). Deliberately not reachable from any
    // configuration file, flag or environment variable.
    static void setTokenDirectoryForTesting(const QString &directory);

    // Parses "Basic realm=<path>"; nullopt for any other challenge.
    [[nodiscard]] static std::optional<QString> realmFromChallenge(const QByteArray &wwwAuthenticate);
    // Validates and reads the key file named by the challenge (see class comment).
    [[nodiscard]] static Expected<QByteArray, TokenError> readKeyFile(const QString &path,
                                                                      const QString &tokenDirectory);

    [[nodiscard]] const QString &tokenDirectory() const { return m_tokenDirectory; }

private:
    void onChallenge(const QUrl &url, const TokenHttpClient::Response &response, Completion done);
    [[nodiscard]] Result onToken(const TokenHttpClient::Response &response) const;

    TokenHttpClient &m_http;
    Clock &m_clock;
    Options m_options;
    QString m_tokenDirectory;
};

} // namespace aap::auth
