#pragma once

#include "auth/credentials/ClientCertificate.h"
#include "auth/credentials/CredentialError.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QString>

#include <chrono>

namespace aap::auth {

// Builds the signed JWT an Entra certificate credential sends as client_assertion
// (protocols.md section 4): header alg/typ with x5t (RS256) or x5t#S256 (PS256) and optionally
// x5c; claims aud = the exact token URL, iss = sub = client id, a fresh GUID jti, nbf = iat = now,
// exp = now + lifetime.
class ClientAssertion {
public:
    static constexpr std::chrono::minutes lifetime{10};

    struct Parameters {
        QString clientId;
        QString tokenUrl; // e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
        config::AssertionAlgorithm algorithm = config::AssertionAlgorithm::RS256;
        bool sendChain = false; // x5c: leaf first, for subject name / issuer authentication
    };

    // Fails when signing fails or the certificate has expired at `now` (Entra would refuse it with a
    // less helpful AADSTS error).
    static Expected<QByteArray, CredentialError> build(const ClientCertificate &certificate,
                                                       const Parameters &parameters, Clock::TimePoint now);
};

} // namespace aap::auth
