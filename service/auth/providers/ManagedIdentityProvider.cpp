#include "auth/providers/ManagedIdentityProvider.h"

#include "auth/providers/AppServiceProvider.h"
#include "auth/providers/ArcProvider.h"
#include "auth/providers/ImdsProvider.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QDir>
#include <QFileInfo>

namespace aap::auth {

namespace {

TokenProvider *makeInner(ManagedIdentityProvider::Source source, TokenHttpClient &http, Clock &clock,
                         const ManagedIdentityProvider::Options &options, QObject *parent)
{
    switch (source) {
    case ManagedIdentityProvider::Source::AppService:
        return new AppServiceProvider(
            http, clock, AppServiceProvider::Options::fromEnvironment(options.identity, options.environment),
            parent);
    case ManagedIdentityProvider::Source::Arc:
        return new ArcProvider(http, clock,
                               ArcProvider::Options::fromEnvironment(options.identity, options.environment),
                               parent);
    case ManagedIdentityProvider::Source::Imds:
        break;
    }
    return new ImdsProvider(
        http, clock, ImdsProvider::Options::fromEnvironment(options.identity, options.environment), parent);
}

} // namespace

QString ManagedIdentityProvider::arcAgentBinary(const QProcessEnvironment &environment)
{
#ifdef Q_OS_WIN
    const QString programData =
        environment.value(QStringLiteral("ProgramData"), QStringLiteral("C:\\ProgramData"));
    return QDir::cleanPath(QDir::fromNativeSeparators(programData) +
                           QStringLiteral("/AzureConnectedMachineAgent/himds.exe"));
#else
    Q_UNUSED(environment)
    return QStringLiteral("/opt/azcmagent/bin/himds");
#endif
}

QString ManagedIdentityProvider::sourceName(Source source)
{
    switch (source) {
    case Source::AppService:
        return QStringLiteral("app service");
    case Source::Arc:
        return QStringLiteral("arc");
    case Source::Imds:
        return QStringLiteral("imds");
    }
    return {};
}

ManagedIdentityProvider::Detection
ManagedIdentityProvider::detectSource(const QProcessEnvironment &environment, const FileProbe &fileExists)
{
    const auto has = [&](const char *name) {
        return !environment.value(QLatin1String(name)).trimmed().isEmpty();
    };
    if (has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER")) {
        return {Source::AppService, QStringLiteral("IDENTITY_ENDPOINT and IDENTITY_HEADER are set")};
    }
    if (has("IDENTITY_ENDPOINT") && has("IMDS_ENDPOINT")) {
        return {Source::Arc, QStringLiteral("IDENTITY_ENDPOINT and IMDS_ENDPOINT are set")};
    }
    const QString agent = arcAgentBinary(environment);
    if (fileExists ? fileExists(agent) : QFileInfo::exists(agent)) {
        return {Source::Arc, QStringLiteral("Arc agent %1 is installed").arg(agent)};
    }
    return {Source::Imds, QStringLiteral("no App Service or Arc environment")};
}

ManagedIdentityProvider::ManagedIdentityProvider(TokenHttpClient &http, Clock &clock, const Options &options,
                                                 QObject *parent)
    : TokenProvider(parent), m_detection(detectSource(options.environment, options.fileExists)),
      m_inner(makeInner(m_detection.source, http, clock, options, this))
{
    if (m_detection.source != Source::AppService &&
        !options.environment.value(QStringLiteral("MSI_ENDPOINT")).trimmed().isEmpty()) {
        qCWarning(lcAuth).noquote()
            << "MSI_ENDPOINT is set (Cloud Shell or Azure Machine Learning), a managed "
               "identity source this proxy does not support; ignored";
    }
    qCInfo(lcAuth).noquote() << "managed identity source chosen"
                             << log::LogField::kv("source", sourceName(m_detection.source))
                             << log::LogField::kv("identity", options.identity.describe())
                             << log::LogField::kv("reason", m_detection.reason);
}

void ManagedIdentityProvider::fetch(const QString &resource, Completion done)
{
    m_inner->fetch(resource, std::move(done));
}

QString ManagedIdentityProvider::describe() const
{
    return m_inner->describe();
}

} // namespace aap::auth
