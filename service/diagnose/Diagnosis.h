#pragma once

#include "auth/AccessToken.h"
#include "auth/TokenProvider.h"
#include "config/LoadedConfig.h"
#include "core/Clock.h"
#include "diagnose/DiagnosisReport.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSslConfiguration>

#include <functional>
#include <memory>
#include <optional>

class QSslSocket;

namespace aap::auth {
class TokenHttpClient;
}

namespace aap::diagnose {

// Walks the chain the service depends on, one route after the other, and says in plain words
// what is wrong and what to do: (1) the configuration is valid; (2) the identity source answers
// (and which source the chain picked, and why); (3) a token is obtained and its claims, decoded
// without verification, match the configured audience and identity; (4) the target resolves,
// accepts a connection and presents a valid certificate; (5) an authorised test request is
// accepted (401, 403 and 404 explained). A step after a failed one is skipped. The token itself
// is never shown.
class Diagnosis : public QObject {
    Q_OBJECT

public:
    using Done = std::function<void(const DiagnosisReport &)>;

    Diagnosis(Clock &clock, config::LoadedConfig loaded, const QProcessEnvironment &environment,
              QObject *parent = nullptr);
    ~Diagnosis() override;

    // Runs every step; `done` is called once, on this object's thread.
    void run(Done done);

private:
    void nextRoute();
    void checkIdentity();
    void checkToken(const auth::AccessToken &token);
    void checkTarget();
    void onTargetConnected(QSslSocket *socket);
    void checkRequest();
    void add(const QString &step, const QString &title, DiagnosisStep::Verdict verdict, const QString &text,
             const QStringList &details = {});
    void fail(const QString &step, const QString &title, const QString &text,
              const QStringList &details = {});
    void skipRest(const QString &afterStep);
    void finish();
    [[nodiscard]] QString titled(const QString &what) const;
    [[nodiscard]] const config::RouteConfig &route() const;
    [[nodiscard]] const config::IdentityConfig *identity() const;

    Clock &m_clock;
    config::LoadedConfig m_loaded;
    QProcessEnvironment m_environment;
    DiagnosisReport m_report;
    Done m_done;
    qsizetype m_routeIndex = -1;
    std::unique_ptr<auth::TokenHttpClient> m_http;
    std::unique_ptr<auth::TokenProvider> m_provider;
    std::optional<QSslConfiguration> m_tls;
    QByteArray m_authorization; // "Bearer ..." for the test request; never shown
    QNetworkAccessManager m_network;
    QPointer<QSslSocket> m_socket;
};

} // namespace aap::diagnose
