#pragma once

#include "auth/credentials/ReloadingClientCertificate.h"
#include "auth/providers/ClientCredential.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"

namespace aap::auth {

// A certificate credential: every request carries a freshly signed client assertion (new jti,
// nbf = now) for the exact token URL. The certificate follows its file, so a renewed certificate
// is used without a restart; a broken replacement leaves the previous good one in use.
class ClientCertificateCredential final : public ClientCredential {
public:
    ClientCertificateCredential(const config::IdentityConfig &identity, Clock &clock);

    // Loads the certificate once, so a wrong path or password is reported at start-up.
    Expected<void, TokenError> load();

    Expected<void, TokenError> addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                     const QString &clientId) override;
    [[nodiscard]] QString describe() const override;

private:
    Expected<ClientCertificate, TokenError> current();

    ReloadingClientCertificate m_certificate;
    QString m_path;
    config::AssertionAlgorithm m_algorithm;
    bool m_sendChain;
    Clock &m_clock;
};

} // namespace aap::auth
