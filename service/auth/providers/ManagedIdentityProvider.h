#pragma once

#include "auth/TokenProvider.h"
#include "auth/providers/ManagedIdentitySelector.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/Clock.h"

#include <QProcessEnvironment>

#include <functional>

namespace aap::auth {

// Managed identity, wherever the process runs. The source is chosen once, from the environment, in
// the Azure SDKs' order: App Service / Container Apps (IDENTITY_ENDPOINT + IDENTITY_HEADER) →
// Azure Arc (IDENTITY_ENDPOINT + IMDS_ENDPOINT, or the agent's himds binary installed) → IMDS.
// Cloud Shell and the pre-2019 App Service variables (MSI_ENDPOINT / MSI_SECRET) are not supported.
class ManagedIdentityProvider final : public TokenProvider {
    Q_OBJECT

public:
    enum class Source { AppService, Arc, Imds };
    using FileProbe = std::function<bool(const QString &path)>;

    struct Options {
        ManagedIdentitySelector identity;
        QProcessEnvironment environment; // injected: never read from the process inside the class
        FileProbe fileExists;            // agent binary probe; empty = QFileInfo::exists
    };

    struct Detection {
        Source source = Source::Imds;
        QString reason; // which variables or file decided, for the log
    };

    ManagedIdentityProvider(TokenHttpClient &http, Clock &clock, const Options &options,
                            QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    // The chosen source and identity, e.g. "imds (user-assigned, client_id=...)". Never a secret.
    [[nodiscard]] QString describe() const override;
    [[nodiscard]] Source source() const { return m_detection.source; }

    [[nodiscard]] static Detection detectSource(const QProcessEnvironment &environment,
                                                const FileProbe &fileExists);
    // /opt/azcmagent/bin/himds, or %ProgramData%\AzureConnectedMachineAgent\himds.exe on Windows.
    [[nodiscard]] static QString arcAgentBinary(const QProcessEnvironment &environment);
    [[nodiscard]] static QString sourceName(Source source);

private:
    Detection m_detection;
    TokenProvider *m_inner; // a child, so it follows moveToThread()
};

} // namespace aap::auth
