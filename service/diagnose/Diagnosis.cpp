#include "diagnose/Diagnosis.h"

#include "auth/ProviderFactory.h"
#include "auth/TokenErrorStatus.h"
#include "auth/providers/TokenHttpClient.h"
#include "control/TokenErrorText.h"
#include "jwt/JwtClaims.h"
#include "proxy/UpstreamTls.h"

#include <QHostInfo>
#include <QNetworkReply>
#include <QSslSocket>
#include <QTimer>
#include <QUuid>

#include <algorithm>

namespace aap::diagnose {

using namespace Qt::StringLiterals;
using Verdict = DiagnosisStep::Verdict;

namespace {

const QStringList kRouteSteps{u"identity"_s, u"token"_s, u"target"_s, u"request"_s};

QString stepTitle(const QString &step)
{
    if (step == u"identity"_s)
        return u"identity source"_s;
    if (step == u"token"_s)
        return u"token"_s;
    if (step == u"target"_s)
        return u"target"_s;
    return u"test request"_s;
}

bool sameAudience(QString a, QString b)
{
    while (a.endsWith(u'/'))
        a.chop(1);
    while (b.endsWith(u'/'))
        b.chop(1);
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

QString utc(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC).toString(Qt::ISODate);
}

// Azure Monitor's two kinds of endpoint, for naming the role a 403 is missing.
bool isIngestion(const config::TargetUrl &target)
{
    return target.host.endsWith(u".ingest.monitor.azure.com"_s, Qt::CaseInsensitive) ||
           target.basePath.contains(u"/dataCollectionRules/"_s, Qt::CaseInsensitive);
}

bool isQuery(const config::TargetUrl &target)
{
    return target.host.endsWith(u".prometheus.monitor.azure.com"_s, Qt::CaseInsensitive);
}

} // namespace

Diagnosis::Diagnosis(Clock &clock, config::LoadedConfig loaded, const QProcessEnvironment &environment,
                     QObject *parent)
    : QObject(parent), m_clock(clock), m_loaded(std::move(loaded)), m_environment(environment)
{}

Diagnosis::~Diagnosis()
{
    if (m_socket)
        m_socket->abort();
}

void Diagnosis::run(Done done)
{
    m_done = std::move(done);
    QStringList errors;
    QStringList warnings;
    for (const config::ConfigIssue &issue : std::as_const(m_loaded.issues))
        (issue.isError() ? errors : warnings).append(issue.toString());
    if (!errors.isEmpty()) {
        add(u"config"_s, u"configuration"_s, Verdict::Fail,
            u"the configuration is not valid: fix the settings named below (aad-auth-proxy --check-config shows every value and where it came from)"_s,
            errors);
        for (const QString &step : kRouteSteps)
            add(step, stepTitle(step), Verdict::Skip, u"not run: the configuration is not valid"_s);
        finish();
        return;
    }
    add(u"config"_s, u"configuration"_s, Verdict::Pass,
        u"valid: %1 route(s), %2 identit(ies), file %3"_s.arg(m_loaded.config.routes.size())
            .arg(m_loaded.config.identities.size())
            .arg(m_loaded.filePath.isEmpty() ? u"none"_s : m_loaded.filePath),
        warnings);
    m_http = std::make_unique<auth::TokenHttpClient>(
        m_clock, auth::TokenHttpClient::Options::fromConfig(m_loaded.config, m_environment));
    nextRoute();
}

const config::RouteConfig &Diagnosis::route() const
{
    return m_loaded.config.routes.at(m_routeIndex);
}

const config::IdentityConfig *Diagnosis::identity() const
{
    for (const config::IdentityConfig &candidate : m_loaded.config.identities) {
        if (candidate.name == route().identity)
            return &candidate;
    }
    return nullptr;
}

QString Diagnosis::titled(const QString &what) const
{
    if (m_loaded.config.routes.size() <= 1)
        return what;
    return u"%1 [route %2]"_s.arg(what, route().name);
}

void Diagnosis::nextRoute()
{
    ++m_routeIndex;
    m_authorization.clear();
    if (m_routeIndex >= m_loaded.config.routes.size()) {
        finish();
        return;
    }
    checkIdentity();
}

void Diagnosis::checkIdentity()
{
    const config::IdentityConfig *configured = identity();
    const QString title = titled(stepTitle(u"identity"_s));
    if (configured == nullptr) {
        fail(u"identity"_s, title, u"route %1 names no known identity"_s.arg(route().name));
        skipRest(u"identity"_s);
        nextRoute();
        return;
    }
    const auth::ProviderFactory factory(m_environment, m_clock, *m_http);
    auto provider = factory.create(*configured);
    if (!provider) {
        fail(u"identity"_s, title, provider.error());
        skipRest(u"identity"_s);
        nextRoute();
        return;
    }
    if (m_provider)
        m_provider.release()->deleteLater(); // the previous route's; its callback may still be on the stack
    m_provider = std::move(*provider);
    const QString source = m_provider->describe();
    m_provider->fetch(route().audience, [this, title, source](auth::TokenProvider::Result result) {
        if (result) {
            add(u"identity"_s, title, Verdict::Pass, u"%1 answers"_s.arg(source));
            checkToken(*result);
            return;
        }
        const auth::TokenError &error = result.error();
        const QString explained = control::TokenErrorText::explain(auth::TokenErrorStatus::info(error, {}));
        using Kind = auth::TokenError::Kind;
        if (error.kind == Kind::Transport || error.kind == Kind::Timeout || error.kind == Kind::Config ||
            error.kind == Kind::LocalFile) {
            fail(u"identity"_s, title, u"%1: %2"_s.arg(source, explained),
                 {auth::TokenErrorStatus::info(error, {}).summary()});
            skipRest(u"identity"_s);
        } else {
            add(u"identity"_s, title, Verdict::Pass, u"%1 answers"_s.arg(source));
            fail(u"token"_s, titled(stepTitle(u"token"_s)), u"no token: "_s + explained,
                 {auth::TokenErrorStatus::info(error, {}).summary()});
            skipRest(u"token"_s);
        }
        nextRoute();
    });
}

void Diagnosis::checkToken(const auth::AccessToken &token)
{
    const QString title = titled(stepTitle(u"token"_s));
    const auto claims = jwt::JwtClaims::decode(token.value);
    if (!claims) {
        fail(
            u"token"_s, title,
            u"the token service returned a token that is not a readable JWT (%1): the target will refuse it"_s
                .arg(claims.error().summary()));
        skipRest(u"token"_s);
        nextRoute();
        return;
    }
    QStringList details{u"aud=%1"_s.arg(claims->audiences.join(u',')),
                        u"appid/azp=%1"_s.arg(claims->clientAppId()), u"oid=%1"_s.arg(claims->objectId),
                        u"tid=%1"_s.arg(claims->tenantId)};
    if (!claims->managedIdentityResourceId.isEmpty())
        details.append(u"xms_mirid=%1"_s.arg(claims->managedIdentityResourceId));
    if (claims->expiresAt)
        details.append(u"expires=%1"_s.arg(utc(*claims->expiresAt)));

    const config::IdentityConfig &configured = *identity();
    QStringList problems;
    const bool audienceMatches =
        std::any_of(claims->audiences.begin(), claims->audiences.end(),
                    [this](const QString &aud) { return sameAudience(aud, route().audience); });
    if (!audienceMatches)
        problems.append(u"the token is for audience %1 but the route asks for %2: check AUDIENCE"_s.arg(
            claims->audiences.join(u','), route().audience));
    if (!configured.clientId.isEmpty() &&
        claims->clientAppId().compare(configured.clientId, Qt::CaseInsensitive) != 0)
        problems.append(
            u"the token was issued to client %1, not the configured %2: check the client id"_s.arg(
                claims->clientAppId(), configured.clientId));
    if (!configured.objectId.isEmpty() &&
        claims->objectId.compare(configured.objectId, Qt::CaseInsensitive) != 0)
        problems.append(u"the token names object id %1, not the configured %2"_s.arg(claims->objectId,
                                                                                     configured.objectId));
    if (!configured.resourceId.isEmpty() &&
        claims->managedIdentityResourceId.compare(configured.resourceId, Qt::CaseInsensitive) != 0)
        problems.append(u"the token names managed identity %1, not the configured %2"_s.arg(
            claims->managedIdentityResourceId, configured.resourceId));
    const bool tenantIsId = !QUuid::fromString(configured.tenantId).isNull();
    if (tenantIsId && !claims->tenantId.isEmpty() &&
        claims->tenantId.compare(configured.tenantId, Qt::CaseInsensitive) != 0)
        problems.append(u"the token is from tenant %1, not the configured %2"_s.arg(claims->tenantId,
                                                                                    configured.tenantId));
    const qint64 now =
        std::chrono::duration_cast<std::chrono::seconds>(m_clock.now().time_since_epoch()).count();
    if (claims->expiresAt && *claims->expiresAt <= now)
        problems.append(u"the token has already expired: check this machine's clock"_s);
    if (!problems.isEmpty()) {
        fail(u"token"_s, title, problems.join(u"; "_s), details);
        skipRest(u"token"_s);
        nextRoute();
        return;
    }
    add(u"token"_s, title, Verdict::Pass, u"obtained; audience and identity match the configuration"_s,
        details);
    m_authorization = "Bearer " + token.value;
    checkTarget();
}

void Diagnosis::checkTarget()
{
    const QString title = titled(stepTitle(u"target"_s));
    QHostInfo::lookupHost(route().target.host, this, [this, title](const QHostInfo &info) {
        const config::TargetUrl &target = route().target;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            fail(u"target"_s, title,
                 u"%1 does not resolve (%2): check TARGET_HOST and this machine's DNS"_s.arg(
                     target.host, info.errorString()));
            skipRest(u"target"_s);
            nextRoute();
            return;
        }
        QStringList addresses;
        for (const QHostAddress &address : info.addresses())
            addresses.append(address.toString());
        const QString resolved = u"resolves to %1"_s.arg(addresses.join(u", "_s));

        auto *socket = new QSslSocket(this);
        m_socket = socket;
        const config::UpstreamConfig &upstream = m_loaded.config.upstream;
        if (target.isTls()) {
            auto tls = proxy::UpstreamTls::build(upstream);
            if (!tls) {
                fail(u"target"_s, title, tls.error());
                skipRest(u"target"_s);
                socket->deleteLater();
                nextRoute();
                return;
            }
            m_tls = *tls;
            socket->setSslConfiguration(*tls);
        }
        const auto finishTarget = [this, socket, title, resolved](bool ok, const QString &text) {
            socket->disconnect(this);
            socket->abort();
            socket->deleteLater();
            if (!ok) {
                fail(u"target"_s, title, text, {resolved});
                skipRest(u"target"_s);
                nextRoute();
                return;
            }
            checkRequest();
        };
        connect(socket, &QSslSocket::encrypted, this, [this, socket, title, resolved, finishTarget] {
            const QSslCertificate certificate = socket->peerCertificate();
            const QDateTime expiry = certificate.expiryDate().toUTC();
            QStringList details{resolved, u"subject=%1"_s.arg(certificate.subjectDisplayName()),
                                u"issuer=%1"_s.arg(certificate.issuerDisplayName()),
                                u"expires=%1"_s.arg(expiry.toString(Qt::ISODate))};
            const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(expiry);
            add(u"target"_s, title, Verdict::Pass,
                daysLeft < 14
                    ? u"reachable, TLS verified; the certificate expires in %1 day(s)"_s.arg(daysLeft)
                    : u"reachable, TLS verified"_s,
                details);
            finishTarget(true, {});
        });
        connect(socket, &QSslSocket::connected, this, [this, title, resolved, finishTarget] {
            if (route().target.isTls())
                return; // wait for the handshake
            add(u"target"_s, title, Verdict::Pass, u"reachable (plain http: no TLS to verify)"_s, {resolved});
            finishTarget(true, {});
        });
        connect(socket, &QSslSocket::sslErrors, this, [finishTarget](const QList<QSslError> &errors) {
            QStringList texts;
            for (const QSslError &error : errors)
                texts.append(error.errorString());
            finishTarget(
                false,
                u"the target's certificate is not trusted (%1): check the host name, or add its CA with upstream.ca_bundle"_s
                    .arg(texts.join(u"; "_s)));
        });
        connect(
            socket, &QSslSocket::errorOccurred, this, [socket, finishTarget](QAbstractSocket::SocketError) {
                finishTarget(
                    false,
                    u"cannot connect (%1): check the host and port, and that no firewall blocks them"_s.arg(
                        socket->errorString()));
            });
        const auto limit = upstream.connectTimeout + upstream.tlsHandshakeTimeout;
        QTimer::singleShot(limit, socket, [finishTarget] {
            finishTarget(
                false,
                u"no connection within the connect and handshake time-outs: a firewall may drop the traffic"_s);
        });
        if (target.isTls())
            socket->connectToHostEncrypted(target.host, target.port);
        else
            socket->connectToHost(target.host, target.port);
    });
}

void Diagnosis::checkRequest()
{
    const config::TargetUrl &target = route().target;
    const QString title = titled(stepTitle(u"request"_s));
    QUrl url;
    url.setScheme(target.scheme);
    url.setHost(target.host);
    url.setPort(target.port);
    url.setPath(target.basePath.isEmpty() ? u"/"_s : target.basePath);
    QNetworkRequest request(url);
    if (m_tls)
        request.setSslConfiguration(*m_tls);
    request.setRawHeader("Authorization", m_authorization);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(static_cast<int>(m_loaded.config.upstream.responseHeadersTimeout.count()));
    // Ingestion is probed with an empty POST, which carries no data to store; anything else with GET.
    const bool ingestion = isIngestion(target);
    QNetworkReply *reply = ingestion ? m_network.post(request, QByteArray()) : m_network.get(request);
    m_authorization.clear();
    connect(reply, &QNetworkReply::finished, this, [this, reply, title, ingestion] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString method = ingestion ? u"POST (empty)"_s : u"GET"_s;
        const QStringList details{u"%1 %2 -> %3"_s.arg(method, reply->url().path()).arg(status)};
        const config::TargetUrl &requested = route().target;
        if (status == 0) {
            fail(u"request"_s, title, u"the test request failed: %1"_s.arg(reply->errorString()), details);
        } else if (status == 401) {
            fail(
                u"request"_s, title,
                u"the target refused the token (401): the audience (%1) or the tenant is wrong for this target; for Azure Monitor the audience is https://monitor.azure.com"_s
                    .arg(route().audience),
                details);
        } else if (status == 403) {
            QString role =
                u"the role the target requires (Azure Monitor: Monitoring Metrics Publisher to ingest, Monitoring Data Reader to query)"_s;
            if (isIngestion(requested))
                role = u"the role Monitoring Metrics Publisher on the data collection rule"_s;
            else if (isQuery(requested))
                role = u"the role Monitoring Data Reader on the Azure Monitor workspace"_s;
            fail(
                u"request"_s, title,
                u"the token is valid but the identity lacks permission (403): assign it %1, then allow a few minutes"_s
                    .arg(role),
                details);
        } else if (status == 404) {
            fail(
                u"request"_s, title,
                u"the target does not know this path (404): check the data collection endpoint host and the path /dataCollectionRules/<immutable id>/streams/<stream>"_s,
                details);
        } else if (status >= 500) {
            fail(u"request"_s, title, u"the target failed (%1): try again later"_s.arg(status), details);
        } else {
            add(u"request"_s, title, Verdict::Pass,
                status < 300
                    ? u"accepted"_s
                    : u"authorised: the target answered %1 to the empty test request, which means the token was accepted"_s
                          .arg(status),
                details);
        }
        nextRoute();
    });
}

void Diagnosis::add(const QString &step, const QString &title, DiagnosisStep::Verdict verdict,
                    const QString &text, const QStringList &details)
{
    m_report.steps.append(DiagnosisStep{step, title, verdict, text, details});
}

void Diagnosis::fail(const QString &step, const QString &title, const QString &text,
                     const QStringList &details)
{
    add(step, title, Verdict::Fail, text, details);
}

void Diagnosis::skipRest(const QString &afterStep)
{
    for (qsizetype i = kRouteSteps.indexOf(afterStep) + 1; i < kRouteSteps.size(); ++i)
        add(kRouteSteps[i], titled(stepTitle(kRouteSteps[i])), Verdict::Skip,
            u"not run: an earlier step failed"_s);
}

void Diagnosis::finish()
{
    if (m_done)
        std::exchange(m_done, {})(m_report);
}

} // namespace aap::diagnose
