#include "auth/providers/ArcProvider.h"

#include "auth/providers/EndpointVariable.h"
#include "auth/providers/ImdsProvider.h"
#include "auth/providers/TokenResponseParser.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>

#include <algorithm>
#include <mutex>

namespace aap::auth {

namespace {

std::mutex g_testDirectoryMutex;
QString g_testDirectory; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): the test hook

TokenError keyFileError(const QString &path, const QString &problem, bool retryable)
{
    TokenError error;
    error.kind = TokenError::Kind::LocalFile;
    error.retryable = retryable;
    error.description = QStringLiteral("Arc key file %1: %2").arg(path, problem);
    return error;
}

TokenError challengeError(const TokenHttpClient::Response &response, const QString &problem)
{
    TokenError error;
    error.kind = TokenError::Kind::Http;
    error.httpStatus = response.status;
    error.code = QStringLiteral("invalid_challenge");
    error.retryable = false;
    error.description = QStringLiteral("Arc identity endpoint: %1").arg(problem);
    return error;
}

Qt::CaseSensitivity pathCase()
{
#ifdef Q_OS_WIN
    return Qt::CaseInsensitive;
#else
    return Qt::CaseSensitive;
#endif
}

} // namespace

ArcProvider::Options ArcProvider::Options::fromEnvironment(ManagedIdentitySelector identity,
                                                           const QProcessEnvironment &environment)
{
    Options options;
    options.identity = std::move(identity);
    // Checked at start by ProviderFactory; an unusable value leaves the agent's default here.
    if (auto endpoint = EndpointVariable::read(environment, "IDENTITY_ENDPOINT");
        endpoint && !endpoint->isEmpty()) {
        options.identityEndpoint = *endpoint;
    }
    if (const QString programData = environment.value(QStringLiteral("ProgramData"));
        !programData.isEmpty()) {
        options.programData = programData;
    }
    return options;
}

ArcProvider::ArcProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent)
    : TokenProvider(parent), m_http(http), m_clock(clock), m_options(std::move(options))
{
    const std::lock_guard lock(g_testDirectoryMutex);
    m_tokenDirectory = g_testDirectory.isEmpty() ? platformTokenDirectory(m_options.programData)
                                                 : QDir::cleanPath(g_testDirectory);
}

void ArcProvider::setTokenDirectoryForTesting(const QString &directory)
{
    const std::lock_guard lock(g_testDirectoryMutex);
    g_testDirectory = directory;
}

QString ArcProvider::platformTokenDirectory(const QString &programData)
{
#ifdef Q_OS_WIN
    return QDir::cleanPath(QDir::fromNativeSeparators(programData) +
                           QStringLiteral("/AzureConnectedMachineAgent/Tokens"));
#else
    Q_UNUSED(programData)
    return QStringLiteral("/var/opt/azcmagent/tokens");
#endif
}

std::optional<QString> ArcProvider::realmFromChallenge(const QByteArray &wwwAuthenticate)
{
    const QByteArray value = wwwAuthenticate.trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0 || value.left(space).compare("Basic", Qt::CaseInsensitive) != 0) {
        return std::nullopt;
    }
    const QByteArray parameter = value.mid(space + 1).trimmed();
    if (!parameter.startsWith("realm=") && !parameter.startsWith("Realm=")) {
        return std::nullopt;
    }
    QByteArray realm = parameter.mid(6).trimmed();
    if (realm.size() >= 2 && realm.startsWith('"') && realm.endsWith('"')) {
        realm = realm.mid(1, realm.size() - 2);
    }
    if (realm.isEmpty()) {
        return std::nullopt;
    }
    return QString::fromUtf8(realm);
}

Expected<QByteArray, TokenError> ArcProvider::readKeyFile(const QString &path, const QString &tokenDirectory)
{
    const QString native = QDir::fromNativeSeparators(path);
    if (!QDir::isAbsolutePath(native)) {
        return Unexpected(keyFileError(path, QStringLiteral("is not an absolute path"), false));
    }
    const QString cleaned = QDir::cleanPath(native);
    const QFileInfo info(cleaned);
    if (QDir::cleanPath(info.path()).compare(QDir::cleanPath(tokenDirectory), pathCase()) != 0) {
        return Unexpected(keyFileError(
            path, QStringLiteral("is not in the agent's token directory %1").arg(tokenDirectory), false));
    }
    if (!info.fileName().endsWith(QLatin1String(".key"), pathCase()) || info.fileName().size() <= 4) {
        return Unexpected(keyFileError(path, QStringLiteral("does not end in .key"), false));
    }
    if (info.isSymLink()) {
        return Unexpected(keyFileError(path, QStringLiteral("is a symbolic link"), false));
    }
    if (!info.exists()) {
        return Unexpected(keyFileError(path, QStringLiteral("does not exist"), true));
    }
    if (!info.isFile()) {
        return Unexpected(keyFileError(path, QStringLiteral("is not a regular file"), false));
    }
    if (info.size() > kMaxKeyBytes) {
        return Unexpected(
            keyFileError(path, QStringLiteral("is larger than %1 bytes").arg(kMaxKeyBytes), false));
    }
    QFile file(cleaned);
    if (!file.open(QIODevice::ReadOnly)) {
        // Linux: the service user must be in group himds to read the agent's keys.
        return Unexpected(
            keyFileError(path,
                         QStringLiteral("cannot be read (%1; is the service user in group himds?)")
                             .arg(file.errorString()),
                         file.error() != QFileDevice::PermissionsError));
    }
    // Bounded read: the file may have grown since the size check.
    const QByteArray key = file.read(kMaxKeyBytes + 1);
    if (key.size() > kMaxKeyBytes) {
        return Unexpected(
            keyFileError(path, QStringLiteral("is larger than %1 bytes").arg(kMaxKeyBytes), false));
    }
    if (key.isEmpty()) {
        return Unexpected(keyFileError(path, QStringLiteral("is empty"), true));
    }
    // Sent verbatim in a header: control characters would corrupt or inject headers.
    if (std::any_of(key.cbegin(), key.cend(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return Unexpected(keyFileError(path, QStringLiteral("contains control characters"), false));
    }
    return key;
}

void ArcProvider::fetch(const QString &resource, Completion done)
{
    if (m_options.identity.kind == ManagedIdentitySelector::Kind::ObjectId ||
        m_options.identity.kind == ManagedIdentitySelector::Kind::ResourceId) {
        // The answer only echoes client_id: any other selector could not be verified (fail closed).
        TokenError error;
        error.kind = TokenError::Kind::Config;
        error.retryable = false;
        error.description = QStringLiteral("Azure Arc supports user-assigned identities only by client id");
        QMetaObject::invokeMethod(
            this, [done = std::move(done), error] { done(Unexpected(error)); }, Qt::QueuedConnection);
        return;
    }
    QUrl url = m_options.identityEndpoint;
    QByteArray query = "api-version=2020-06-01&resource=" +
                       QUrl::toPercentEncoding(ImdsProvider::resourceFromAudience(resource));
    if (m_options.identity.kind == ManagedIdentitySelector::Kind::ClientId) {
        query += "&client_id=" + QUrl::toPercentEncoding(m_options.identity.value);
    }
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);

    TokenHttpClient::Request challenge;
    challenge.url = url;
    challenge.headers = {{"Metadata", "true"}};
    m_http.get(challenge, [self = QPointer<ArcProvider>(this), url,
                           done = std::move(done)](TokenHttpClient::Result result) {
        if (!self) {
            return;
        }
        if (!result) {
            done(Unexpected(std::move(result).error()));
            return;
        }
        self->onChallenge(url, result.value(), done);
    });
}

void ArcProvider::onChallenge(const QUrl &url, const TokenHttpClient::Response &response, Completion done)
{
    if (response.status != 401) {
        if (response.status >= 200 && response.status < 300) {
            done(Unexpected(challengeError(
                response, QStringLiteral("answered %1 instead of the 401 challenge").arg(response.status))));
        } else {
            done(Unexpected(ImdsProvider::httpError(response)));
        }
        return;
    }
    if (!response.hasHeader("WWW-Authenticate")) {
        done(Unexpected(challengeError(response, QStringLiteral("401 without a WWW-Authenticate header"))));
        return;
    }
    const auto realm = realmFromChallenge(response.header("WWW-Authenticate"));
    if (!realm) {
        done(Unexpected(
            challengeError(response, QStringLiteral("401 challenge is not \"Basic realm=<key file>\""))));
        return;
    }
    auto key = readKeyFile(*realm, m_tokenDirectory);
    if (!key) {
        qCWarning(lcAuth).noquote() << "arc challenge refused"
                                    << log::LogField::kv("reason", key.error().description);
        done(Unexpected(std::move(key).error()));
        return;
    }
    TokenHttpClient::Request authorized;
    authorized.url = url;
    authorized.headers = {{"Metadata", "true"}, {"Authorization", "Basic " + key.value()}};
    m_http.get(authorized,
               [self = QPointer<ArcProvider>(this), done = std::move(done)](TokenHttpClient::Result result) {
                   if (!self) {
                       return;
                   }
                   if (!result) {
                       done(Unexpected(std::move(result).error()));
                       return;
                   }
                   done(self->onToken(result.value()));
               });
}

TokenProvider::Result ArcProvider::onToken(const TokenHttpClient::Response &response) const
{
    if (response.status < 200 || response.status > 299) {
        return Unexpected(ImdsProvider::httpError(response));
    }
    auto parsed = TokenResponseParser::parseToken(response.body, m_clock.now());
    if (!parsed) {
        TokenError error = std::move(parsed).error();
        error.httpStatus = response.status;
        return Unexpected(std::move(error));
    }
    if (m_options.identity.kind == ManagedIdentitySelector::Kind::ClientId &&
        parsed->clientId.compare(m_options.identity.value, Qt::CaseInsensitive) != 0) {
        TokenError error;
        error.kind = TokenError::Kind::Identity;
        error.httpStatus = response.status;
        error.retryable = false;
        error.description =
            QStringLiteral("Arc answered for client_id '%1' instead of the requested '%2' (agent too old for "
                           "user-assigned identities?); token refused")
                .arg(parsed->clientId, m_options.identity.value);
        qCWarning(lcAuth).noquote() << "arc identity mismatch"
                                    << log::LogField::kv("requested_client_id", m_options.identity.value)
                                    << log::LogField::kv("returned_client_id", parsed->clientId);
        return Unexpected(error);
    }
    return std::move(parsed).value().token;
}

QString ArcProvider::describe() const
{
    return QStringLiteral("arc (") + m_options.identity.describe() + QLatin1Char(')');
}

} // namespace aap::auth
