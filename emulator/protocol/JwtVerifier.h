#pragma once

#include "core/Clock.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace aap::test {

// Strict checker of Entra client assertions for fakes and tests, written independently of the
// production builder: compact JWT form, RS256/PS256 signature against a given certificate's public
// key, header alg/typ/x5t/x5t#S256/x5c, and the claims against expected values and a given now.
class JwtVerifier {
public:
    struct Expectations {
        QString audience; // the exact token URL
        QString clientId; // iss and sub
        Clock::TimePoint now;
        std::optional<QString> algorithm; // "RS256" / "PS256"; unset: either
        QList<QByteArray> chainDer;       // when non-empty, x5c must be exactly this chain (DER, leaf first)
        bool requireX5c = false;
    };

    struct Claims {
        QJsonObject header;
        QJsonObject payload;
        QString algorithm;
        QString audience;
        QString issuer;
        QString subject;
        QString jwtId;
        qint64 notBefore = 0;
        qint64 expires = 0;
        std::optional<qint64> issuedAt;
        QList<QByteArray> x5cDer; // decoded x5c, empty when absent
    };

    // Returns the decoded assertion, or why it is not acceptable.
    static Expected<Claims, QString> verify(const QByteArray &jwt, const QSslCertificate &certificate,
                                            const Expectations &expected);
};

} // namespace aap::test
