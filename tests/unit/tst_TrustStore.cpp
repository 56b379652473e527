#include "protocol/TestPki.h"
#include "tls/TrustStore.h"

#include <QSslConfiguration>
#include <QTemporaryDir>
#include <QTest>

using aap::test::TestPki;
using aap::tls::TrustStore;

class tst_TrustStore : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_pki.isValid()); }

    // Nothing extra: Qt's lazily loaded system store stays in charge.
    void withoutBundlesTheBaseIsUnchanged()
    {
        const QSslConfiguration base = QSslConfiguration::defaultConfiguration();
        const auto trusted = TrustStore::apply(base, {}, {});
        QVERIFY(trusted.has_value());
        QCOMPARE(trusted->caCertificates(), base.caCertificates());
    }

    // Qt stops loading the system store on demand once CAs are set by hand: the system roots must be
    // merged in, or an extra bundle for a private CA would break every public endpoint (Entra).
    void extraBundleKeepsTheSystemStore()
    {
        const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates();
        if (system.isEmpty()) {
            QSKIP("this machine has no system CA store (package ca-certificates)");
        }
        const auto trusted =
            TrustStore::apply(QSslConfiguration::defaultConfiguration(), m_pki.caCertificatePath(), {});
        QVERIFY(trusted.has_value());
        const QList<QSslCertificate> cas = trusted->caCertificates();
        QVERIFY(cas.contains(m_pki.caCertificate()));
        for (const QSslCertificate &root : system) {
            QVERIFY2(cas.contains(root), qPrintable(root.subjectDisplayName()));
        }
    }

    void sslCertFileAddsItsCertificates()
    {
        const auto trusted =
            TrustStore::apply(QSslConfiguration::defaultConfiguration(), {}, m_pki.caCertificatePath());
        QVERIFY(trusted.has_value());
        QVERIFY(trusted->caCertificates().contains(m_pki.caCertificate()));
    }

    void unusableConfiguredBundleIsAnError_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing") << QByteArray() << QStringLiteral("cannot read CA bundle");
        QTest::newRow("not PEM") << QByteArrayLiteral("hello\n") << QStringLiteral("no PEM certificate");
    }

    void unusableConfiguredBundleIsAnError()
    {
        QFETCH(QByteArray, contents);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bundle.pem"));
        if (!contents.isEmpty()) {
            QVERIFY(TestPki::writeFile(path, contents));
        }
        const auto trusted = TrustStore::apply(QSslConfiguration::defaultConfiguration(), path, {});
        QVERIFY(!trusted.has_value());
        QVERIFY2(trusted.error().contains(message) && trusted.error().contains(path),
                 qPrintable(trusted.error()));
    }

    // SSL_CERT_FILE is shared with every other program on the host: a bad one is ignored.
    void unusableSslCertFileIsIgnored()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("garbage.pem"));
        QVERIFY(TestPki::writeFile(path, QByteArrayLiteral("garbage\n")));
        const QSslConfiguration base = QSslConfiguration::defaultConfiguration();
        const auto trusted = TrustStore::apply(base, {}, path);
        QVERIFY(trusted.has_value());
        QCOMPARE(trusted->caCertificates(), base.caCertificates());
        const auto withConfigured = TrustStore::apply(base, m_pki.caCertificatePath(), path);
        QVERIFY(withConfigured.has_value());
        QVERIFY(withConfigured->caCertificates().contains(m_pki.caCertificate()));
    }

private:
    TestPki m_pki;
};

QTEST_GUILESS_MAIN(tst_TrustStore)
#include "tst_TrustStore.moc"
