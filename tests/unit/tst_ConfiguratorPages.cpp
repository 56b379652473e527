#include "models/ConfigDocument.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"
#include "ui/CertificateInspector.h"
#include "ui/MainWindow.h"
#include "ui/ScopedPage.h"
#include "ui/SettingField.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::config::CertificateInfo;
using aap::configurator::CertificateInspector;
using aap::configurator::ConfigDocument;
using aap::configurator::MainWindow;
using aap::configurator::SettingField;
using aap::test::FakeClock;
using aap::test::TestPki;

namespace {

void writeFile(const QString &path, const QString &text)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text.toUtf8());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

const QString kBase = u"[route]\n"
                      "target_host = https://example.ingest.monitor.azure.com\n"
                      "audience = https://monitor.azure.com\n"_s;

// A window on a file with the given text, the clock at the real time (test certificates are valid
// from now on).
struct Fixture {
    QTemporaryDir dir;
    QString path = dir.filePath(u"proxy.conf"_s);
    FakeClock clock{std::chrono::system_clock::now()};
    ConfigDocument document;
    MainWindow window{document, &clock};

    explicit Fixture(const QString &text)
    {
        writeFile(path, text);
        window.openFile(path);
    }

    SettingField *field(const QString &id) { return window.field(id); }
    // Visible in its form (the page itself need not be shown).
    bool shown(const QString &id)
    {
        SettingField *f = field(id);
        return f && !f->isHidden();
    }
};

void typeInto(SettingField *field, const QString &text)
{
    auto *line = qobject_cast<QLineEdit *>(field->editor());
    QVERIFY(line);
    line->setFocus();
    line->selectAll();
    QTest::keyClicks(line, text);
    QTest::keyClick(line, Qt::Key_Return);
}

} // namespace

class tst_ConfiguratorPages : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pagesAreGroupedForAnAdministrator()
    {
        Fixture f(kBase);
        QCOMPARE(f.window.pageTitles(),
                 (QStringList{u"Target & listener"_s, u"Identity"_s, u"Token refresh"_s, u"Telemetry"_s,
                              u"Security"_s, u"Routes"_s}));
    }

    void widgetsFollowTheSettingType()
    {
        Fixture f(kBase);
        QVERIFY(qobject_cast<QSpinBox *>(f.field(u"listener.port"_s)->editor()));
        QCOMPARE(f.field(u"listener.port"_s)->shownText(), u"8081"_s);
        QVERIFY(qobject_cast<QSpinBox *>(f.field(u"upstream.connect_timeout_ms"_s)->editor()));
        QVERIFY(qobject_cast<QComboBox *>(f.field(u"log.level"_s)->editor()));
        QVERIFY(qobject_cast<QComboBox *>(f.field(u"identity.default.type"_s)->editor()));
        QVERIFY(qobject_cast<QLineEdit *>(f.field(u"route.default.target_host"_s)->editor()));

        auto *spin = qobject_cast<QSpinBox *>(f.field(u"listener.port"_s)->editor());
        spin->setValue(9443);
        QCOMPARE(f.document.fileValue(*aap::config::SettingCatalog::find(u"listener"_s, u"port"_s), {}),
                 u"9443"_s);
    }

    void identityTypeDecidesWhichFieldsShow()
    {
        Fixture f(kBase + u"[identity]\ntype = systemAssigned\n"_s);
        QVERIFY(f.shown(u"identity.default.type"_s));
        QVERIFY(!f.shown(u"identity.default.client_id"_s));
        QVERIFY(!f.shown(u"identity.default.certificate_path"_s));

        auto *type = qobject_cast<QComboBox *>(f.field(u"identity.default.type"_s)->editor());
        QVERIFY(type);
        const int user = type->findData(u"userAssigned"_s);
        QVERIFY(user >= 0);
        type->setCurrentIndex(user);
        Q_EMIT type->activated(user);
        QVERIFY(f.shown(u"identity.default.client_id"_s));
        QVERIFY(f.shown(u"identity.default.object_id"_s));
        QVERIFY(!f.shown(u"identity.default.tenant_id"_s));
        QVERIFY(!f.shown(u"identity.default.client_secret"_s));
        // userAssigned without a selector: the message sits at the type.
        QVERIFY(f.field(u"identity.default.type"_s)->hasError());
        QVERIFY(f.field(u"identity.default.type"_s)->messageText().contains(u"client id"_s));

        type = qobject_cast<QComboBox *>(f.field(u"identity.default.type"_s)->editor());
        const int app = type->findData(u"aadApplication"_s);
        type->setCurrentIndex(app);
        Q_EMIT type->activated(app);
        for (const QString &key : {u"tenant_id"_s, u"client_id"_s, u"certificate_path"_s, u"client_secret"_s,
                                   u"client_secret_file"_s, u"cloud"_s})
            QVERIFY2(f.shown(u"identity.default."_s + key), qPrintable(key));
        QVERIFY(!f.shown(u"identity.default.object_id"_s));
        QVERIFY(!f.shown(u"identity.default.federated_token_file"_s));

        type = qobject_cast<QComboBox *>(f.field(u"identity.default.type"_s)->editor());
        const int workload = type->findData(u"workloadIdentity"_s);
        type->setCurrentIndex(workload);
        Q_EMIT type->activated(workload);
        QVERIFY(f.shown(u"identity.default.federated_token_file"_s));
        QVERIFY(!f.shown(u"identity.default.certificate_path"_s));
        QVERIFY(f.window.identityPage()->inspector()->isHidden());
    }

    void inlineValidationKeepsTheTypedValue()
    {
        Fixture f(kBase);
        SettingField *target = f.field(u"route.default.target_host"_s);
        typeInto(target, u"ftp://wrong host"_s);
        target = f.field(u"route.default.target_host"_s);
        QCOMPARE(target->shownText(), u"ftp://wrong host"_s);
        QVERIFY(target->hasError());
        QVERIFY(!target->messageText().isEmpty());
        QVERIFY(target->editor()->property("invalid").toBool());
        QVERIFY(f.window.summaryText().contains(u"error"_s));
        QVERIFY(f.window.issuesView()->count() >= 1);

        typeInto(target, u"https://good.example.com"_s);
        QVERIFY(!target->hasError());
        QVERIFY(target->messageText().isEmpty());
        QVERIFY(f.window.summaryText().startsWith(u"Valid"_s));
    }

    void aWrongNumberInTheFileStaysVisible()
    {
        Fixture f(kBase + u"[listener]\nport = 80a\n"_s);
        SettingField *port = f.field(u"listener.port"_s);
        // Not a number: the spin box cannot show it, so the line edit does, marked.
        QVERIFY(qobject_cast<QLineEdit *>(port->editor()));
        QCOMPARE(port->shownText(), u"80a"_s);
        QVERIFY(port->hasError());
        typeInto(port, u"8082"_s);
        port = f.field(u"listener.port"_s);
        QVERIFY(qobject_cast<QSpinBox *>(port->editor()));
        QCOMPARE(port->shownText(), u"8082"_s);
        QVERIFY(!port->hasError());
    }

    // Issue 11: telemetry is implemented, so its settings are offered like any other.
    void telemetryIsOffered()
    {
        Fixture f(kBase);
        QVERIFY(f.shown(u"telemetry.prometheus_metrics"_s));
        QVERIFY(f.shown(u"telemetry.service_name"_s));
        QVERIFY(f.shown(u"telemetry.grpc_endpoint"_s));
    }

    // Issue 12: inbound protection is supported now, so the security page offers it.
    void inboundProtectionIsOffered()
    {
        Fixture f(kBase + u"[listener]\nallowed_cidrs = 10.0.0.0/8\n"_s);
        for (const QString &id : {u"listener.api_keys"_s, u"listener.api_keys_file"_s,
                                  u"listener.tls_certificate"_s, u"listener.client_ca"_s})
            QVERIFY2(f.shown(id), qPrintable(id));
        SettingField *cidrs = f.field(u"listener.allowed_cidrs"_s);
        QVERIFY(f.shown(u"listener.allowed_cidrs"_s));
        QVERIFY(cidrs->editor()->isEnabled());
        QVERIFY(!cidrs->hasError());
        QCOMPARE(cidrs->shownText(), u"10.0.0.0/8"_s);
    }

    void environmentValuesAreShownWithTheirSource()
    {
        QTemporaryDir dir;
        const QString environment = dir.filePath(u"environment"_s);
        writeFile(environment, u"LISTENING_PORT=9999\n"_s);
        Fixture f(kBase);
        f.document.setEnvironment(environment, {});
        SettingField *port = f.field(u"listener.port"_s);
        QCOMPARE(port->shownText(), u"9999"_s);
        QVERIFY(!port->editor()->isEnabled());
        QVERIFY(port->sourceText().contains(environment));
        QVERIFY(port->sourceText().contains(u"LISTENING_PORT"_s));
        QVERIFY(f.window.sourcesText().contains(environment));
    }

    void routesAreAddedInThePage()
    {
        Fixture f(kBase + u"[identity \"reader\"]\ntype = systemAssigned\n"_s);
        auto *routes = f.window.routesPage();
        QVERIFY(routes->add(u"query"_s));
        QCOMPARE(routes->list()->count(), 2);
        QCOMPARE(routes->list()->currentItem()->text(), u"query"_s);
        SettingField *identity = f.field(u"route.query.identity"_s);
        auto *combo = qobject_cast<QComboBox *>(identity->editor());
        QVERIFY(combo);
        QCOMPARE(combo->count(), 2);
        QVERIFY(f.field(u"route.query.target_host"_s)->hasError());
        QVERIFY(routes->removeSelected());
        QCOMPARE(routes->list()->count(), 1);
    }

    void certificateInspectorOnPemPfxAndPasswordPfx()
    {
        TestPki pki;
        QVERIFY(pki.isValid());
        const auto client = pki.issueClient(u"CN=proxy-app,O=Contoso"_s);
        const QString pem = pki.filePath(u"client.pem"_s);
        const QString pfx = pki.filePath(u"client.pfx"_s);
        const QString locked = pki.filePath(u"locked.pfx"_s);
        const QString certOnly = pki.filePath(u"cert-only.pem"_s);
        QVERIFY(client.writePem(pem));
        QVERIFY(client.writePfx(pfx, QString()));
        QVERIFY(client.writePfx(locked, u"pfx-pass"_s));
        QVERIFY(client.writeCertificatePem(certOnly));
        const QString identity = u"[identity]\ntype = aadApplication\ntenant_id = t1\nclient_id = c1\n"_s;

        {
            Fixture f(kBase + identity + u"certificate_path = "_s + pem + u"\n"_s);
            CertificateInspector *inspector = f.window.identityPage()->inspector();
            QVERIFY(!inspector->isHidden());
            QCOMPARE(inspector->info().format, CertificateInfo::Format::Pem);
            QVERIFY(inspector->text(u"subject"_s).contains(u"CN=proxy-app"_s));
            QVERIFY(inspector->text(u"subject"_s).contains(u"O=Contoso"_s));
            QCOMPARE(inspector->text(u"thumbprint"_s).size(), 20 * 3 - 1);
            QVERIFY(inspector->text(u"key"_s).contains(u"matches"_s));
            QCOMPARE(inspector->text(u"password"_s), u"not needed"_s);
            QVERIFY(inspector->text(u"verdict"_s).contains(u"usable"_s));
            QVERIFY(!inspector->expiryWarned());
        }
        {
            Fixture f(kBase + identity + u"certificate_path = "_s + certOnly + u"\n"_s);
            CertificateInspector *inspector = f.window.identityPage()->inspector();
            QCOMPARE(inspector->info().key, CertificateInfo::Key::Missing);
            QVERIFY(inspector->text(u"key"_s).contains(u"missing"_s));
            QVERIFY(f.field(u"identity.default.certificate_path"_s)->hasError());
        }
        {
            Fixture f(kBase + identity + u"certificate_path = "_s + pfx + u"\n"_s);
            CertificateInspector *inspector = f.window.identityPage()->inspector();
            QCOMPARE(inspector->info().format, CertificateInfo::Format::Pfx);
            QVERIFY(inspector->text(u"subject"_s).contains(u"CN=proxy-app"_s));
            QVERIFY(inspector->text(u"key"_s).contains(u"matches"_s));
            QCOMPARE(inspector->text(u"password"_s), u"not needed"_s);
        }
        {
            Fixture f(kBase + identity + u"certificate_path = "_s + locked + u"\n"_s);
            CertificateInspector *inspector = f.window.identityPage()->inspector();
            QCOMPARE(inspector->info().format, CertificateInfo::Format::Pfx);
            QVERIFY(inspector->info().passwordRequired);
            QVERIFY(inspector->text(u"password"_s).contains(u"set the certificate password"_s));
            QVERIFY(inspector->text(u"subject"_s).isEmpty());

            typeInto(f.field(u"identity.default.certificate_password"_s), u"wrong"_s);
            QVERIFY(inspector->text(u"password"_s).contains(u"wrong"_s));
            typeInto(f.field(u"identity.default.certificate_password"_s), u"pfx-pass"_s);
            QVERIFY(inspector->info().passwordAccepted);
            QVERIFY(inspector->text(u"subject"_s).contains(u"CN=proxy-app"_s));
            QVERIFY(inspector->text(u"password"_s).contains(u"opens the file"_s));
            // The password is never shown.
            QVERIFY(f.field(u"identity.default.certificate_password"_s)->shownText().isEmpty());
        }
    }

    void expiryIsWarnedUnderThirtyDays()
    {
        TestPki pki;
        const auto client = pki.issueClient(u"CN=soon"_s);
        const QString pem = pki.filePath(u"soon.pem"_s);
        QVERIFY(client.writePem(pem));
        Fixture f(kBase +
                  u"[identity]\ntype = aadApplication\ntenant_id = t\nclient_id = c\ncertificate_path = "_s +
                  pem + u"\n"_s);
        CertificateInspector *inspector = f.window.identityPage()->inspector();
        QVERIFY(!inspector->expiryWarned());
        const QDateTime notAfter = inspector->info().notAfter;
        QVERIFY(notAfter.isValid());
        // Move the clock to 10 days before expiry, then past it.
        const auto tenDaysBefore = std::chrono::system_clock::time_point{
            std::chrono::seconds{notAfter.toSecsSinceEpoch() - 10 * 86'400}};
        f.clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(tenDaysBefore - f.clock.now()));
        inspector->refresh();
        QVERIFY(inspector->expiryWarned());
        QVERIFY2(inspector->text(u"expiry"_s).contains(u"expires in 10 days"_s),
                 qPrintable(inspector->text(u"expiry"_s)));
        f.clock.advance(std::chrono::hours{24 * 11});
        inspector->refresh();
        QVERIFY(inspector->text(u"expiry"_s).contains(u"EXPIRED"_s));
    }

    void keyboardReachesEveryPage()
    {
        Fixture f(kBase);
        f.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.window));
        auto *navigation = f.window.findChild<QListWidget *>(u"navigation"_s);
        navigation->setFocus();
        for (int i = 1; i < f.window.pageTitles().size(); ++i) {
            QTest::keyClick(navigation, Qt::Key_Down);
            QCOMPARE(navigation->currentRow(), i);
            QVERIFY(f.window.page(f.window.pageTitles().at(i))->isVisible());
        }
    }
};

QTEST_MAIN(tst_ConfiguratorPages)
#include "tst_ConfiguratorPages.moc"
