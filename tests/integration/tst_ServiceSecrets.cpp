// The real aad-auth-proxy program at LOG_LEVEL=debug, obtaining a token from the strict fake Entra
// with each kind of secret and forwarding one request with it: neither the secret nor the issued
// token may appear on stderr or stdout, whatever the credential.
#include "protocol/FakeEntra.h"
#include "protocol/TestPki.h"
#include "support/FakeUpstream.h"
#include "support/TinyproxyProcess.h"
#include "support/process/ServiceProcess.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using aap::test::FakeEntra;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;
using aap::test::TestPki;
using aap::test::TinyproxyProcess;

namespace {

const QString kTenant = u"contoso.onmicrosoft.com"_s;
const QString kClientId = u"11111111-2222-3333-4444-555555555555"_s;

// `tls`: the listener speaks TLS with a certificate from this CA. ServiceProcess::get() speaks plain
// HTTP without headers; these requests need both.
int getStatus(quint16 port, const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {},
              const std::optional<QSslCertificate> &tls = std::nullopt)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(
        QUrl(u"%1://127.0.0.1:%2%3"_s.arg(tls ? u"https"_s : u"http"_s).arg(port).arg(path)));
    request.setTransferTimeout(10'000);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    if (tls) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates({*tls});
        request.setSslConfiguration(configuration);
    }
    QNetworkReply *reply = manager.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(15'000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

} // namespace

class tst_ServiceSecrets : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<FakeEntra> m_entra;
    FakeUpstream m_upstream;

private Q_SLOTS:
    void initTestCase()
    {
        m_pki = std::make_unique<TestPki>();
        QVERIFY(m_pki->isValid());
        m_entra = std::make_unique<FakeEntra>(m_pki->serverConfiguration());
        QVERIFY(m_entra->start());
        QVERIFY(m_upstream.listen());
    }

    void noSecretOnAnyOutput_data()
    {
        QTest::addColumn<QString>("credential");
        QTest::addColumn<QString>("extra"); // a second secret of another kind
        QTest::newRow("client secret (env)") << u"secret-env"_s << QString();
        QTest::newRow("client secret file") << u"secret-file"_s << QString();
        QTest::newRow("PFX with password") << u"pfx"_s << QString();
        QTest::newRow("PFX with password file") << u"pfx-password-file"_s << QString();
        QTest::newRow("federated token file") << u"federated"_s << QString();
        QTest::newRow("inbound API keys (env)") << u"secret-env"_s << u"api-keys"_s;
        QTest::newRow("inbound API keys file") << u"secret-env"_s << u"api-keys-file"_s;
        QTest::newRow("listener PFX password file") << u"secret-env"_s << u"listener-pfx"_s;
        QTest::newRow("route proxy credentials") << u"secret-env"_s << u"route-proxy"_s;
        QTest::newRow("override header value") << u"secret-env"_s << u"override"_s;
    }

    void noSecretOnAnyOutput()
    {
        QFETCH(QString, credential);
        QFETCH(QString, extra);
        const QByteArray marker =
            "S3cr3t-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        const QByteArray extraMarker =
            "Extr4-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36) + "-0123456789";
        ServiceProcess service;
        service.setEnv(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        service.setEnv(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        service.setEnv(u"LOG_LEVEL"_s, u"debug"_s);
        service.setEnv(u"AAD_TENANT_ID"_s, kTenant);
        service.setEnv(u"AAD_CLIENT_ID"_s, kClientId);
        service.setEnv(u"AZURE_AUTHORITY_HOST"_s, m_entra->authorityHost().toString());
        service.setEnv(u"SSL_CERT_FILE"_s, m_pki->caCertificatePath());
        service.setEnv(u"IDENTITY_TYPE"_s, u"aadapplication"_s);
        if (credential == u"secret-env"_s) {
            m_entra->addSecretClient(kTenant, kClientId, marker);
            service.setEnv(u"AZURE_CLIENT_SECRET"_s, QString::fromLatin1(marker));
        } else if (credential == u"secret-file"_s) {
            const QString path = m_pki->filePath(u"client-secret"_s);
            QVERIFY(TestPki::writeFile(path, marker + '\n'));
            m_entra->addSecretClient(kTenant, kClientId, marker);
            service.setEnv(u"AAD_CLIENT_SECRET_FILE"_s, path);
        } else if (credential == u"pfx"_s || credential == u"pfx-password-file"_s) {
            const auto app = m_pki->issueClient(u"CN=secrets-app"_s);
            const QString path = m_pki->filePath(u"secrets-app.pfx"_s);
            QVERIFY(app.writePfx(path, QString::fromLatin1(marker)));
            m_entra->addCertificateClient(kTenant, kClientId, app.certificateDer());
            service.setEnv(u"AAD_CLIENT_CERTIFICATE_PATH"_s, path);
            if (credential == u"pfx"_s) {
                service.setEnv(u"AZURE_CLIENT_CERTIFICATE_PASSWORD"_s, QString::fromLatin1(marker));
            } else {
                const QString passwordFile = m_pki->filePath(u"secrets-app.password"_s);
                QVERIFY(TestPki::writeFile(passwordFile, marker + '\n'));
                service.setEnv(u"AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE"_s, passwordFile);
            }
        } else {
            const QString path = m_pki->filePath(u"federated-token"_s);
            QVERIFY(TestPki::writeFile(path, marker + '\n'));
            m_entra->addFederatedClient(kTenant, kClientId, marker);
            service.setEnv(u"IDENTITY_TYPE"_s, u"workloadidentity"_s);
            service.setEnv(u"AZURE_FEDERATED_TOKEN_FILE"_s, path);
        }

        QList<QPair<QByteArray, QByteArray>> headers;
        std::optional<QSslCertificate> listenerCa;
        TinyproxyProcess tinyproxy;
        if (extra == u"api-keys"_s) {
            service.setEnv(u"INBOUND_API_KEYS"_s,
                           u"another-key-0123456789,"_s + QString::fromLatin1(extraMarker));
            headers.append({"X-Api-Key", extraMarker});
        } else if (extra == u"api-keys-file"_s) {
            const QString path = m_pki->filePath(u"api-keys"_s);
            QVERIFY(TestPki::writeFile(path, extraMarker + '\n'));
            service.setEnv(u"INBOUND_API_KEYS_FILE"_s, path);
            headers.append({"Authorization", "ApiKey " + extraMarker});
        } else if (extra == u"listener-pfx"_s) {
            const QString path = m_pki->filePath(u"listener.pfx"_s);
            QVERIFY(m_pki->server().writePfx(path, QString::fromLatin1(extraMarker)));
            const QString passwordFile = m_pki->filePath(u"listener.password"_s);
            QVERIFY(TestPki::writeFile(passwordFile, extraMarker + '\n'));
            service.setEnv(u"LISTENER_TLS_CERTIFICATE_PATH"_s, path);
            service.setEnv(u"LISTENER_TLS_KEY_PASSWORD_FILE"_s, passwordFile);
            listenerCa = m_pki->caCertificate();
        } else if (extra == u"route-proxy"_s) {
            QVERIFY(tinyproxy.start(u"proxy-user"_s, QString::fromLatin1(extraMarker)));
            service.setEnv(u"ROUTE_PROXY"_s, tinyproxy.url());
        } else if (extra == u"override"_s) {
            service.setEnv(u"OVERRIDE_REQUEST_HEADERS"_s,
                           u"{\"X-Target-Key\": \""_s + QString::fromLatin1(extraMarker) + u"\"}"_s);
        }

        QVERIFY(service.start(ServiceProcess::Stderr::Captured));
        const quint16 port = service.port();
        QTRY_COMPARE_WITH_TIMEOUT(getStatus(port, u"/ready"_s, {}, listenerCa), 200, 20'000);
        const qsizetype before = m_upstream.requests().size();
        if (!headers.isEmpty()) {
            // A wrong key is refused, and neither it nor the right one is logged.
            QCOMPARE(getStatus(port, u"/api/v1/query"_s, {{"X-Api-Key", extraMarker + "-wrong"}}), 401);
        }
        QCOMPARE(getStatus(port, u"/api/v1/query?query=up"_s, headers, listenerCa), 200);
        if (extra == u"route-proxy"_s)
            QVERIFY(!tinyproxy.requestLines().isEmpty());
        if (extra == u"override"_s)
            QCOMPARE(m_upstream.requests().last().header("X-Target-Key").value_or(""), extraMarker);
        QCOMPARE(m_upstream.requests().size(), before + 1);
        const QByteArray authorization =
            m_upstream.requests().last().header("Authorization").value_or(QByteArray());
        QVERIFY(authorization.startsWith("Bearer ") && authorization.size() > 20);
        const QByteArray token = authorization.mid(7);

        QVERIFY(service.stop());
        const QByteArray output =
            service.process().readAllStandardError() + service.process().readAllStandardOutput();
        if (service.process().exitCode() != 0) {
            // Only the sanitizers' lines: the rest of the output may hold the test's secret.
            for (const QByteArray &line : output.split('\n')) {
                if (line.contains("Sanitizer") || line.contains("runtime error") || line.contains("    #"))
                    qWarning("service: %s", line.constData());
            }
        }
        QCOMPARE(service.process().exitCode(), 0);
        QVERIFY2(output.contains("level=debug"), "the run must log at debug level to prove anything");
        QVERIFY2(!output.contains(marker), "the secret appeared in the output");
        QVERIFY2(!output.contains(extraMarker), "the second secret appeared in the output");
        QVERIFY2(!output.contains(token), "the issued token appeared in the output");
    }
};

QTEST_GUILESS_MAIN(tst_ServiceSecrets)
#include "tst_ServiceSecrets.moc"
