// The real aad-auth-proxy program at LOG_LEVEL=debug, obtaining a token from the strict fake Entra
// with each kind of secret and forwarding one request with it: neither the secret nor the issued
// token may appear on stderr or stdout, whatever the credential.
#include "protocol/FakeEntra.h"
#include "protocol/TestPki.h"
#include "support/FakeUpstream.h"
#include "support/process/ServiceProcess.h"

#include <QRandomGenerator>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using aap::test::FakeEntra;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;
using aap::test::TestPki;

namespace {

const QString kTenant = u"contoso.onmicrosoft.com"_s;
const QString kClientId = u"11111111-2222-3333-4444-555555555555"_s;

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
        QTest::newRow("client secret (env)") << u"secret-env"_s;
        QTest::newRow("client secret file") << u"secret-file"_s;
        QTest::newRow("PFX with password") << u"pfx"_s;
        QTest::newRow("federated token file") << u"federated"_s;
    }

    void noSecretOnAnyOutput()
    {
        QFETCH(QString, credential);
        const QByteArray marker =
            "S3cr3t-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
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
        } else if (credential == u"pfx"_s) {
            const auto app = m_pki->issueClient(u"CN=secrets-app"_s);
            const QString path = m_pki->filePath(u"secrets-app.pfx"_s);
            QVERIFY(app.writePfx(path, QString::fromLatin1(marker)));
            m_entra->addCertificateClient(kTenant, kClientId, app.certificateDer());
            service.setEnv(u"AAD_CLIENT_CERTIFICATE_PATH"_s, path);
            service.setEnv(u"AZURE_CLIENT_CERTIFICATE_PASSWORD"_s, QString::fromLatin1(marker));
        } else {
            const QString path = m_pki->filePath(u"federated-token"_s);
            QVERIFY(TestPki::writeFile(path, marker + '\n'));
            m_entra->addFederatedClient(kTenant, kClientId, marker);
            service.setEnv(u"IDENTITY_TYPE"_s, u"workloadidentity"_s);
            service.setEnv(u"AZURE_FEDERATED_TOKEN_FILE"_s, path);
        }

        QVERIFY(service.start(ServiceProcess::Stderr::Captured));
        QTRY_COMPARE_WITH_TIMEOUT(service.get(u"/ready"_s).status, 200, 20'000);
        const qsizetype before = m_upstream.requests().size();
        QCOMPARE(service.get(u"/api/v1/query?query=up"_s).status, 200);
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
        QVERIFY2(!output.contains(token), "the issued token appeared in the output");
    }
};

QTEST_GUILESS_MAIN(tst_ServiceSecrets)
#include "tst_ServiceSecrets.moc"
