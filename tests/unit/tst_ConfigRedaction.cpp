// The control socket's config.get shows the file with secrets redacted, and config.apply/validate
// put the current secrets back where the configurator left <redacted>: comments, unknown keys and
// order survive both ways.
#include "control/ServiceControl.h"

#include <QTest>

using aap::control::ServiceControl;
using namespace Qt::StringLiterals;

class tst_ConfigRedaction : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void redactsEverySecretAndNothingElse()
    {
        const QString text = u"# keep me\n[identity]\ntype = aadapplication\nclient_id = abc\n"
                             u"client_secret = s3cr3t#;x\ncertificate_password = \"  pw  \"\n"
                             u"unknown_key = stays\n[listener]\napi_keys = k1,k2\nport = 8081\n"_s;
        const QString redacted = ServiceControl::redact(text);
        QVERIFY(!redacted.contains(u"s3cr3t"_s));
        QVERIFY(!redacted.contains(u"pw"_s));
        QVERIFY(!redacted.contains(u"k1"_s));
        QVERIFY(redacted.contains(u"client_secret = <redacted>"_s));
        QVERIFY(redacted.contains(u"certificate_password = <redacted>"_s));
        QVERIFY(redacted.contains(u"api_keys = <redacted>"_s));
        QVERIFY(redacted.startsWith(u"# keep me\n"_s));
        QVERIFY(redacted.contains(u"client_id = abc\n"_s));
        QVERIFY(redacted.contains(u"unknown_key = stays\n"_s));
        QVERIFY(redacted.contains(u"port = 8081\n"_s));
    }

    void unredactRestoresTheCurrentSecrets()
    {
        const QString current = u"[identity]\nclient_secret = s3cr3t\n"_s;
        // The administrator changed the client id and left the secret alone.
        const QString edited = u"# edited\n[identity]\nclient_id = new\nclient_secret = <redacted>\n"_s;
        QCOMPARE(ServiceControl::unredact(edited, current),
                 u"# edited\n[identity]\nclient_id = new\nclient_secret = s3cr3t\n"_s);
        // A new secret typed in the configurator is kept as typed.
        const QString replaced = u"[identity]\nclient_secret = n3w\n"_s;
        QCOMPARE(ServiceControl::unredact(replaced, current), replaced);
        // <redacted> for a secret the file never had (it came from the environment): the line goes.
        const QString fromEnvironment =
            u"[identity]\ntype = aadapplication\ncertificate_password = <redacted>\n"_s;
        QCOMPARE(ServiceControl::unredact(fromEnvironment, current),
                 u"[identity]\ntype = aadapplication\n"_s);
    }

    void roundTripIsIdentityForTheFile()
    {
        const QString text =
            u"; comment\n[route \"q\"]\naudience = https://monitor.azure.com\n[identity \"q\"]\n"
            u"client_secret = abc\nfuture = 1\n"_s;
        QCOMPARE(ServiceControl::unredact(ServiceControl::redact(text), text), text);
    }
};

QTEST_GUILESS_MAIN(tst_ConfigRedaction)
#include "tst_ConfigRedaction.moc"
