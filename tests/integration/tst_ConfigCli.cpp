#include "support/process/ServiceProcess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

struct RunResult {
    int exitCode = -1;
    QString out;
    QString err;
};

const QString kDefaultConfig = u"/etc/aad-auth-proxy/aad-auth-proxy.conf"_s;

// A clean environment: nothing of the caller's (a developer's AZURE_* variables) leaks into a test.
QProcessEnvironment cleanEnvironment(const QStringList &assignments)
{
    QProcessEnvironment environment = aap::test::ServiceProcess::scrubbedEnvironment();
    for (const QString &assignment : assignments) {
        const qsizetype equals = assignment.indexOf(u'=');
        environment.insert(assignment.left(equals), assignment.mid(equals + 1));
    }
    return environment;
}

RunResult run(const QStringList &arguments, const QStringList &environment)
{
    QProcess process;
    process.setProcessEnvironment(cleanEnvironment(environment));
    process.start(QStringLiteral(AAP_SERVICE_BINARY), arguments);
    RunResult result;
    if (!process.waitForFinished(30'000)) {
        process.kill();
        process.waitForFinished(5'000);
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

const QStringList kValid{u"TARGET_HOST=https://ingest.example"_s,
                         u"AUDIENCE=https://monitor.azure.com/.default"_s};

} // namespace

class tst_ConfigCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QString &text)
    {
        QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0)
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    bool openssl(const QStringList &arguments)
    {
        QProcess process;
        process.setWorkingDirectory(m_dir.path());
        process.start(u"openssl"_s, arguments);
        return process.waitForFinished(60'000) && process.exitStatus() == QProcess::NormalExit &&
               process.exitCode() == 0;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void exitStatus_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expectedOut");
        QTest::addColumn<QString>("expectedErr");
        QTest::newRow("target missing") << QStringList() << QStringList{u"AUDIENCE=x"_s} << 2 << QString()
                                        << u"TARGET_HOST is required"_s;
        QTest::newRow("port flag invalid") << QStringList{u"--listening-port"_s, u"70000"_s} << kValid << 2
                                           << QString() << u"listener.port (--listening-port)"_s;
        QTest::newRow("port env zero") << QStringList() << (kValid + QStringList{u"LISTENING_PORT=0"_s}) << 2
                                       << QString() << u"listener.port (env LISTENING_PORT): port 0"_s;
        QTest::newRow("missing --config")
            << QStringList{u"--config"_s, u"/nonexistent/aap.conf"_s} << kValid << 2 << QString()
            << u"config file '/nonexistent/aap.conf' does not exist"_s;
        QTest::newRow("check-config valid")
            << QStringList{u"--check-config"_s} << kValid << 0
            << u"route.default.audience = https://monitor.azure.com"_s << QString();
        QTest::newRow("check-config invalid")
            << QStringList{u"--check-config"_s, u"--identity-type"_s, u"userAssigned"_s} << kValid << 2
            << u"configuration is NOT valid"_s << u"userAssigned needs the identity's client id"_s;
        // The platform's managed-identity variables are checked before anything listens, too.
        QTest::newRow("identity endpoint malformed")
            << QStringList() << (kValid + QStringList{u"AZURE_POD_IDENTITY_AUTHORITY_HOST=ftp://x"_s}) << 2
            << QString()
            << u"error: AZURE_POD_IDENTITY_AUTHORITY_HOST (env AZURE_POD_IDENTITY_AUTHORITY_HOST): "_s;
        QTest::newRow("check-config sees identity endpoint")
            << QStringList{u"--check-config"_s} << (kValid + QStringList{u"IDENTITY_ENDPOINT=http://"_s}) << 2
            << u"configuration is NOT valid"_s << u"IDENTITY_ENDPOINT='http://' is not an http(s) URL"_s;
        QTest::newRow("help") << QStringList{u"--help"_s} << QStringList() << 0 << u"--target-host <url>"_s
                              << QString();
        QTest::newRow("version") << QStringList{u"--version"_s} << QStringList() << 0
                                 << u"aad-auth-proxy 0."_s << QString();
        QTest::newRow("unknown flag")
            << QStringList{u"--frobnicate"_s} << kValid << 2 << QString() << u"Unknown option 'frobnicate'"_s;
    }
    void exitStatus()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, environment);
        QFETCH(int, exitCode);
        QFETCH(QString, expectedOut);
        QFETCH(QString, expectedErr);
        if (QFileInfo::exists(kDefaultConfig))
            QSKIP("a configuration file is installed at the default path on this machine");
        const RunResult result = run(arguments, environment);
        QCOMPARE(result.exitCode, exitCode);
        QVERIFY2(result.out.contains(expectedOut), qPrintable(result.out));
        QVERIFY2(result.err.contains(expectedErr), qPrintable(result.err));
        if (exitCode == 2 && !arguments.contains(u"--check-config"_s))
            QVERIFY(!result.err.contains(u"config loaded"_s));
    }

    // An unreadable certificate is a configuration error (exit 2). Root reads any file, so as root the
    // check runs as nobody (setpriv, util-linux), from a copy of the binary in a world-readable folder.
    void unreadableCertificateIsAConfigError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QFileDevice::Permissions open =
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
            QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther;
        QVERIFY(QFile::setPermissions(dir.path(), open));
        const QString binary = dir.filePath(u"aad-auth-proxy"_s);
        QVERIFY(QFile::copy(QStringLiteral(AAP_SERVICE_BINARY), binary));
        QVERIFY(QFile::setPermissions(binary, open));
        const QString certificate = dir.filePath(u"app.pem"_s);
        QFile file(certificate);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("-----BEGIN CERTIFICATE-----\n");
        file.close();
        QVERIFY(QFile::setPermissions(certificate, QFileDevice::WriteOwner));

        QString program = binary;
        QStringList arguments{u"--check-config"_s};
        if (::geteuid() == 0) {
            program = u"setpriv"_s;
            arguments =
                QStringList{u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s, binary} + arguments;
        }
        QProcess process;
        process.setProcessEnvironment(cleanEnvironment(
            kValid + QStringList{u"IDENTITY_TYPE=aadapplication"_s,
                                 u"AAD_TENANT_ID=contoso.onmicrosoft.com"_s,
                                 u"AAD_CLIENT_ID=00000000-0000-0000-0000-000000000001"_s,
                                 u"AAD_CLIENT_CERTIFICATE_PATH="_s + certificate,
                                 // LeakSanitizer (sanitizer build) may not work after a uid change.
                                 u"ASAN_OPTIONS=detect_leaks=0"_s}));
        process.start(program, arguments);
        QVERIFY(process.waitForFinished(30'000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitCode(), 2);
        QVERIFY2(err.contains(u"identity.default.certificate_path (env AAD_CLIENT_CERTIFICATE_PATH)"_s) &&
                     err.contains(u"not readable"_s),
                 qPrintable(err));
    }

    void precedenceEndToEnd()
    {
        const QString file =
            writeFile(u"precedence.conf"_s, u"# precedence\n[listener]\nport = 7001\n[log]\nlevel = "
                                            u"warning\n[telemetry]\nservice_name = from-file\n"_s);
        const RunResult result =
            run({u"--check-config"_s, u"--config"_s, file, u"--listening-port"_s, u"7003"_s},
                kValid + QStringList{u"LISTENING_PORT=7002"_s, u"OTEL_SERVICE_NAME=from-env"_s});
        QCOMPARE(result.exitCode, 0);
        auto lineOf = [&](const QString &prefix) {
            const QStringList lines = result.out.split(u'\n');
            for (const QString &line : lines)
                if (line.startsWith(prefix))
                    return line.simplified();
            return QString();
        };
        QCOMPARE(lineOf(u"listener.port ="_s), u"listener.port = 7003 (--listening-port)"_s);
        QCOMPARE(lineOf(u"telemetry.service_name ="_s),
                 u"telemetry.service_name = from-env (env OTEL_SERVICE_NAME)"_s);
        QCOMPARE(lineOf(u"log.level ="_s), u"log.level = warning ("_s + file + u":5)"_s);
        QCOMPARE(lineOf(u"listener.address ="_s), u"listener.address = 127.0.0.1 (default)"_s);
        QCOMPARE(lineOf(u"route.default.target_host ="_s),
                 u"route.default.target_host = https://ingest.example (env TARGET_HOST)"_s);
    }

    // A valid configuration is only checked (--check-config): started, the service would fetch
    // tokens from Entra ID, which tests never reach (tst_ServiceEndToEnd starts it against fakes).
    void noSecretInAnyOutput_data()
    {
        QTest::addColumn<bool>("valid");
        QTest::addColumn<bool>("checkConfig");
        QTest::newRow("valid, --check-config") << true << true;
        QTest::newRow("invalid, --check-config") << false << true;
        QTest::newRow("invalid, start") << false << false;
    }
    void noSecretInAnyOutput()
    {
        QFETCH(bool, valid);
        QFETCH(bool, checkConfig);

        // Every secret-bearing setting gets a unique marker in every source.
        const QString flagPassword = u"MRKflagCertPassword81"_s;
        if (!QFileInfo::exists(m_dir.filePath(u"client.pfx"_s))) {
            QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                             u"key.pem"_s, u"-out"_s, u"cert.pem"_s, u"-days"_s, u"2"_s, u"-subj"_s,
                             u"/CN=aap"_s}));
            QVERIFY(openssl({u"pkcs12"_s, u"-export"_s, u"-in"_s, u"cert.pem"_s, u"-inkey"_s, u"key.pem"_s,
                             u"-passout"_s, u"pass:"_s + flagPassword, u"-out"_s, u"client.pfx"_s}));
        }
        const QString pfx = m_dir.filePath(u"client.pfx"_s);
        const QStringList markers{u"MRKfileClientSecret11"_s,
                                  u"MRKfileNamedSecret12"_s,
                                  u"MRKfileCertPassword13"_s,
                                  u"MRKfileApiKey14"_s,
                                  u"MRKfileHeaderValue15"_s,
                                  u"MRKfileProxyPassword16"_s,
                                  u"MRKfileBadLine17"_s,
                                  u"MRKenvClientSecret21"_s,
                                  u"MRKenvCertPassword22"_s,
                                  u"MRKenvApiKey23"_s,
                                  u"MRKenvHeaderValue24"_s,
                                  u"MRKenvProxyPassword25"_s,
                                  u"MRKenvLowerProxyPassword26"_s,
                                  u"MRKflagClientSecret31"_s,
                                  flagPassword,
                                  u"MRKflagApiKey33"_s,
                                  u"MRKflagHeaderValue34"_s,
                                  u"MRKflagProxyPassword35"_s,
                                  u"MRKtargetUserInfo41"_s,
                                  u"MRKkeyFileApiKey51"_s,
                                  u"MRKenvRouteProxyPassword52"_s,
                                  u"MRKenvListenerKeyPassword53"_s,
                                  u"MRKenvHttpProxyPassword54"_s};
        // Other users may write this key file: refused at configuration time, so no run below starts
        // a service (which would try to reach Entra).
        const QString keysFile = m_dir.filePath(u"api-keys.txt"_s);
        QVERIFY(writeFile(u"api-keys.txt"_s, u"MRKkeyFileApiKey51-0123456789\n"_s) == keysFile);
        QVERIFY(QFile::setPermissions(keysFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                    QFileDevice::ReadOther | QFileDevice::WriteOther));

        QString fileText =
            u"[listener]\napi_keys = MRKfileApiKey14-0123456789\n"
            u"[route]\noverride_request_headers = X-Key: MRKfileHeaderValue15\n"
            u"[identity]\nclient_secret = MRKfileClientSecret11\n"
            u"certificate_password = MRKfileCertPassword13\n"
            u"[outbound_proxy]\nhttps_proxy = http://user:MRKfileProxyPassword16@proxy.example:3128\n"
            u"[identity \"named\"]\ntype = aadApplication\nclient_id = c\ntenant_id = t\n"
            u"client_secret = MRKfileNamedSecret12\n"_s;
        QStringList environment{u"LOG_LEVEL=debug"_s,
                                u"IDENTITY_TYPE=aadApplication"_s,
                                u"AAD_CLIENT_ID=client"_s,
                                u"AAD_TENANT_ID=tenant"_s,
                                u"AAD_CLIENT_CERTIFICATE_PATH="_s + pfx,
                                u"AZURE_CLIENT_SECRET=MRKenvClientSecret21"_s,
                                u"AZURE_CLIENT_CERTIFICATE_PASSWORD=MRKenvCertPassword22"_s,
                                u"INBOUND_API_KEYS=MRKenvApiKey23-0123456789"_s,
                                u"OVERRIDE_REQUEST_HEADERS=X-Key: MRKenvHeaderValue24"_s,
                                u"HTTPS_PROXY=http://user:MRKenvProxyPassword25@proxy.example:3128"_s,
                                u"https_proxy=http://user:MRKenvLowerProxyPassword26@proxy.example:3128"_s,
                                u"INBOUND_API_KEYS_FILE="_s + keysFile,
                                u"ROUTE_PROXY=http://user:MRKenvRouteProxyPassword52@proxy.example:3128"_s,
                                u"LISTENER_TLS_KEY_PASSWORD=MRKenvListenerKeyPassword53"_s,
                                u"HTTP_PROXY=http://user:MRKenvHttpProxyPassword54@proxy.example:3128"_s};
        QStringList arguments{u"--client-secret"_s,
                              u"MRKflagClientSecret31"_s,
                              u"--client-certificate-password"_s,
                              flagPassword,
                              u"--inbound-api-keys"_s,
                              u"MRKflagApiKey33-0123456789"_s,
                              u"--override-request-headers"_s,
                              u"X-Key: MRKflagHeaderValue34"_s,
                              u"--https-proxy"_s,
                              u"http://user:MRKflagProxyPassword35@proxy.example:3128"_s};
        if (valid) {
            environment << kValid;
        } else {
            // Errors around the secrets: a bad file line, bad lists and URLs, a wrong PFX password.
            fileText += u"MRKfileBadLine17\n"_s;
            environment << u"TARGET_HOST=https://user:MRKtargetUserInfo41@ingest.example"_s;
            arguments = QStringList{u"--client-secret"_s,
                                    u"MRKflagClientSecret31"_s,
                                    u"--inbound-api-keys"_s,
                                    u"MRKflagApiKey33,,x"_s,
                                    u"--override-request-headers"_s,
                                    u"X-Key MRKflagHeaderValue34"_s,
                                    u"--https-proxy"_s,
                                    u"socks5://user:MRKflagProxyPassword35@proxy.example:1080"_s};
        }
        arguments << u"--config"_s << writeFile(u"secrets.conf"_s, fileText);
        if (checkConfig)
            arguments << u"--check-config"_s;

        const RunResult result = run(arguments, environment);
        // Even the "valid" configuration fails, but only because other users may write the key file.
        QCOMPARE(result.exitCode, 2);
        if (valid) {
            for (const QString &line : result.err.split(u'\n')) {
                if (line.startsWith(u"error: "_s))
                    QVERIFY2(line.contains(u"other users can write it"_s), qPrintable(line));
            }
        }
        const QString output = result.out + result.err;
        for (const QString &marker : markers)
            QVERIFY2(!output.contains(marker),
                     qPrintable(u"a secret marker reached the output: "_s + marker));
        // The run did produce the output that could have leaked.
        if (checkConfig)
            QVERIFY(result.out.contains(u"identity.default.client_secret = <redacted>"_s));
        if (valid)
            QVERIFY(result.err.contains(u"level=debug"_s));
        else
            QVERIFY(result.err.contains(u"outbound_proxy.https_proxy (--https-proxy)"_s) &&
                    result.err.contains(u"listener.api_keys (--inbound-api-keys)"_s) &&
                    result.err.contains(u"route.default.target_host (env TARGET_HOST)"_s) &&
                    result.err.contains(u"expected 'key = value'"_s) &&
                    result.err.contains(u"wrong or missing password"_s));
    }

    void environmentOnlyWithoutAnyFile()
    {
        if (QFileInfo::exists(kDefaultConfig))
            QSKIP("a configuration file is installed at the default path on this machine");
        const RunResult result =
            run({u"--check-config"_s}, kValid + QStringList{u"IDENTITY_TYPE=systemassigned"_s});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.contains(u"# config file: none"_s));
        QVERIFY(result.out.contains(u"identity.default.type = systemAssigned"_s));
    }
};

QTEST_GUILESS_MAIN(tst_ConfigCli)
#include "tst_ConfigCli.moc"
