#include "config/ConfigLoader.h"
#include "config/ConfigValidator.h"
#include "protocol/TestPki.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using aap::test::TestPki;
using namespace aap::config;
using namespace Qt::StringLiterals;

namespace {

const QStringList kValidBase{u"TARGET_HOST=https://ingest.example"_s,
                             u"AUDIENCE=https://monitor.azure.com"_s};

} // namespace

class tst_ConfigValidator : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    bool openssl(const QStringList &arguments)
    {
        QProcess process;
        process.setWorkingDirectory(m_dir.path());
        process.start(u"openssl"_s, arguments);
        if (!process.waitForFinished(60'000) || process.exitCode() != 0) {
            qWarning("openssl %s failed: %s", qPrintable(arguments.join(u' ')),
                     process.readAllStandardError().constData());
            return false;
        }
        return true;
    }

    static bool readFile(const QString &filePath, QByteArray &contents)
    {
        QFile file(filePath);
        if (!file.open(QIODevice::ReadOnly))
            return false;
        contents = file.readAll();
        return true;
    }

    LoadedConfig loadAndValidate(const QStringList &assignments)
    {
        QProcessEnvironment environment;
        for (const QString &assignment : assignments) {
            QString value = assignment.mid(assignment.indexOf(u'=') + 1);
            value.replace(u"%DIR%"_s, m_dir.path());
            environment.insert(assignment.left(assignment.indexOf(u'=')), value);
        }
        ConfigSources sources;
        sources.defaultConfigPath = path(u"no-default.conf"_s);
        sources.environment = environment;
        LoadedConfig loaded = ConfigLoader::load(sources);
        loaded.issues.append(ConfigValidator::validate(loaded));
        return loaded;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                         u"key.pem"_s, u"-out"_s, u"cert.pem"_s, u"-days"_s, u"2"_s, u"-subj"_s,
                         u"/CN=aad-auth-proxy-test"_s}));
        QVERIFY(openssl({u"genpkey"_s, u"-algorithm"_s, u"EC"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:P-256"_s,
                         u"-out"_s, u"other-key.pem"_s}));
        QVERIFY(openssl({u"pkey"_s, u"-in"_s, u"key.pem"_s, u"-aes256"_s, u"-passout"_s, u"pass:keypass"_s,
                         u"-out"_s, u"encrypted-key.pem"_s}));
        QVERIFY(openssl({u"pkcs12"_s, u"-export"_s, u"-in"_s, u"cert.pem"_s, u"-inkey"_s, u"key.pem"_s,
                         u"-passout"_s, u"pass:pfxpass"_s, u"-out"_s, u"with-password.pfx"_s}));
        QVERIFY(openssl({u"pkcs12"_s, u"-export"_s, u"-in"_s, u"cert.pem"_s, u"-inkey"_s, u"key.pem"_s,
                         u"-passout"_s, u"pass:"_s, u"-out"_s, u"no-password.pfx"_s}));
        QVERIFY(openssl({u"pkcs12"_s, u"-export"_s, u"-nokeys"_s, u"-in"_s, u"cert.pem"_s, u"-passout"_s,
                         u"pass:"_s, u"-out"_s, u"no-key.pfx"_s}));
        QByteArray certificate;
        QByteArray key;
        QByteArray encryptedKey;
        QVERIFY(readFile(path(u"cert.pem"_s), certificate));
        QVERIFY(readFile(path(u"key.pem"_s), key));
        QVERIFY(readFile(path(u"encrypted-key.pem"_s), encryptedKey));
        QVERIFY(TestPki::writeFile(path(u"combined.pem"_s), certificate + key));
        QVERIFY(TestPki::writeFile(path(u"key-first.pem"_s), key + certificate));
        QVERIFY(TestPki::writeFile(path(u"combined-encrypted.pem"_s), certificate + encryptedKey));
        QVERIFY(TestPki::writeFile(path(u"not-a-certificate.txt"_s), "just some text\n"));
        QVERIFY(TestPki::writeFile(path(u"broken.pem"_s),
                                   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
        QVERIFY(TestPki::writeFile(path(u"secret.txt"_s), "file-secret\n"));
        QVERIFY(TestPki::writeFile(path(u"token.jwt"_s), "eyJ.fake.token\n"));
        QVERIFY(TestPki::writeFile(path(u"unreadable.pem"_s), certificate + key));
        QVERIFY(QFile::setPermissions(path(u"unreadable.pem"_s), QFileDevice::WriteOwner));
        QVERIFY(QDir(m_dir.path()).mkdir(u"a-directory"_s));
        const auto privateFile = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        QVERIFY(TestPki::writeFile(path(u"pfx-password.txt"_s), "pfxpass\n"));
        QVERIFY(QFile::setPermissions(path(u"pfx-password.txt"_s), privateFile));
        QVERIFY(
            TestPki::writeFile(path(u"keys-private.txt"_s), "0123456789abcdef0123\nfedcba9876543210fedc\n"));
        QVERIFY(QFile::setPermissions(path(u"keys-private.txt"_s), privateFile));
        QVERIFY(TestPki::writeFile(path(u"secret-world-readable.txt"_s), "file-secret\n"));
        QVERIFY(QFile::setPermissions(path(u"secret-world-readable.txt"_s),
                                      privateFile | QFileDevice::ReadOther));
        QVERIFY(TestPki::writeFile(path(u"secret-world-writable.txt"_s), "file-secret\n"));
        QVERIFY(QFile::setPermissions(path(u"secret-world-writable.txt"_s),
                                      privateFile | QFileDevice::ReadOther | QFileDevice::WriteOther));
        QVERIFY(TestPki::writeFile(path(u"key-world-writable.pem"_s), key));
        QVERIFY(
            QFile::setPermissions(path(u"key-world-writable.pem"_s), privateFile | QFileDevice::WriteOther));
    }

    // The warning --check-config shows (and the service repeats hourly) for an exposed listener.
    void exposureWarningOnlyWithoutProtection_data()
    {
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<bool>("warned");
        QTest::newRow("loopback") << QStringList{} << false;
        QTest::newRow("any address, nothing") << QStringList{u"LISTEN_ADDRESS=*"_s} << true;
        QTest::newRow("any address, tls only")
            << QStringList{u"LISTEN_ADDRESS=*"_s, u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/combined.pem"_s}
            << true;
        QTest::newRow("any address, api keys file")
            << QStringList{u"LISTEN_ADDRESS=*"_s, u"INBOUND_API_KEYS_FILE=%DIR%/keys-private.txt"_s} << false;
        QTest::newRow("any address, cidrs")
            << QStringList{u"LISTEN_ADDRESS=0.0.0.0"_s, u"INBOUND_ALLOWED_CIDRS=10.0.0.0/8"_s} << false;
        QTest::newRow("any address, mutual tls")
            << QStringList{u"LISTEN_ADDRESS=::"_s, u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/combined.pem"_s,
                           u"INBOUND_CLIENT_CA_PATH=%DIR%/cert.pem"_s}
            << false;
    }
    void exposureWarningOnlyWithoutProtection()
    {
        QFETCH(QStringList, environment);
        QFETCH(bool, warned);
        const LoadedConfig loaded = loadAndValidate(kValidBase + environment);
        QVERIFY(!loaded.hasErrors());
        const bool found =
            std::any_of(loaded.issues.cbegin(), loaded.issues.cend(), [](const ConfigIssue &i) {
                return !i.isError() && i.setting == u"listener.address" &&
                       i.message.contains(u"without inbound protection");
            });
        QCOMPARE(found, warned);
        QCOMPARE(ConfigValidator::unprotectedExposure(loaded.config.listener).has_value(), warned);
    }

    void validation_data()
    {
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<QString>("severity"); // valid | error | warning
        QTest::addColumn<QString>("setting");
        QTest::addColumn<QString>("origin");
        QTest::addColumn<QString>("message");

        auto row = [](const char *name, const QStringList &env, const QString &severity,
                      const QString &setting = {}, const QString &origin = {}, const QString &message = {}) {
            QTest::newRow(name) << env << severity << setting << origin << message;
        };
        const QString cert = u"AAD_CLIENT_CERTIFICATE_PATH=%DIR%/"_s;
        const QStringList app =
            kValidBase + QStringList{u"IDENTITY_TYPE=aadApplication"_s, u"AAD_CLIENT_ID=app-1"_s,
                                     u"AAD_TENANT_ID=tenant-1"_s};
        const QString certSetting = u"identity.default.certificate_path"_s;
        const QString certOrigin = u"env AAD_CLIENT_CERTIFICATE_PATH"_s;

        row("valid minimal", kValidBase, u"valid"_s);
        row("target missing", {u"AUDIENCE=https://monitor.azure.com"_s}, u"error"_s,
            u"route.default.target_host"_s, u"default"_s, u"TARGET_HOST is required"_s);
        row("target malformed", {u"TARGET_HOST=https://exa mple.com"_s, u"AUDIENCE=x"_s}, u"error"_s,
            u"route.default.target_host"_s, u"env TARGET_HOST"_s, u"valid host name"_s);
        row("audience missing", {u"TARGET_HOST=a.example"_s}, u"error"_s, u"route.default.audience"_s,
            u"default"_s, u"AUDIENCE is required"_s);
        row("port not numeric", kValidBase + QStringList{u"LISTENING_PORT=eighty"_s}, u"error"_s,
            u"listener.port"_s, u"env LISTENING_PORT"_s, u"not a port number"_s);
        row("port zero", kValidBase + QStringList{u"LISTENING_PORT=0"_s}, u"error"_s, u"listener.port"_s,
            u"env LISTENING_PORT"_s, u"port 0 is not allowed"_s);
        row("port too large", kValidBase + QStringList{u"LISTENING_PORT=65536"_s}, u"error"_s,
            u"listener.port"_s, u"env LISTENING_PORT"_s, u"greater than 65535"_s);
        row("unknown identity type", kValidBase + QStringList{u"IDENTITY_TYPE=robot"_s}, u"error"_s,
            u"identity.default.type"_s, u"env IDENTITY_TYPE"_s, u"unknown identity type 'robot'"_s);
        row("identity type any case", kValidBase + QStringList{u"IDENTITY_TYPE=SYSTEMASSIGNED"_s},
            u"valid"_s);
        row("userassigned without id", kValidBase + QStringList{u"IDENTITY_TYPE=userAssigned"_s}, u"error"_s,
            u"identity.default.type"_s, u"env IDENTITY_TYPE"_s,
            u"userAssigned needs the identity's client id"_s);
        row("userassigned with client id",
            kValidBase + QStringList{u"IDENTITY_TYPE=userassigned"_s, u"AZURE_CLIENT_ID=c1"_s}, u"valid"_s);
        row("userassigned with object id",
            kValidBase + QStringList{u"IDENTITY_TYPE=userAssigned"_s, u"IDENTITY_OBJECT_ID=o1"_s},
            u"valid"_s);
        row("userassigned with resource id",
            kValidBase + QStringList{u"IDENTITY_TYPE=userAssigned"_s,
                                     u"IDENTITY_RESOURCE_ID=/subscriptions/s/resourceGroups/g/providers/"
                                     u"Microsoft.ManagedIdentity/userAssignedIdentities/i"_s},
            u"valid"_s);
        row("userassigned with two ids",
            kValidBase +
                QStringList{u"IDENTITY_TYPE=userAssigned"_s, u"AAD_CLIENT_ID=c"_s, u"IDENTITY_OBJECT_ID=o"_s},
            u"error"_s, u"identity.default.type"_s, u"env IDENTITY_TYPE"_s, u"exactly one"_s);
        row("systemassigned with client id",
            kValidBase + QStringList{u"IDENTITY_TYPE=systemAssigned"_s, u"AAD_CLIENT_ID=c"_s}, u"warning"_s,
            u"identity.default.type"_s, u"env IDENTITY_TYPE"_s, u"ignores client_id"_s);
        row("aadapplication without tenant",
            kValidBase + QStringList{u"IDENTITY_TYPE=aadApplication"_s, u"AAD_CLIENT_ID=a"_s,
                                     u"AZURE_CLIENT_SECRET=s"_s},
            u"error"_s, u"identity.default.type"_s, u"env IDENTITY_TYPE"_s, u"needs a tenant"_s);
        row("aadapplication without client id",
            kValidBase + QStringList{u"IDENTITY_TYPE=aadApplication"_s, u"AAD_TENANT_ID=t"_s,
                                     u"AZURE_CLIENT_SECRET=s"_s},
            u"error"_s, u"identity.default.type"_s, u"env IDENTITY_TYPE"_s,
            u"needs the application's client id"_s);
        row("aadapplication without credential", app, u"error"_s, u"identity.default.type"_s,
            u"env IDENTITY_TYPE"_s, u"needs a credential"_s);
        row("aadapplication with secret", app + QStringList{u"AZURE_CLIENT_SECRET=s3cr3t"_s}, u"valid"_s);
        row("aadapplication with secret file",
            app + QStringList{u"AAD_CLIENT_SECRET_FILE=%DIR%/secret.txt"_s}, u"valid"_s);
        row("secret file missing", app + QStringList{u"AAD_CLIENT_SECRET_FILE=%DIR%/gone.txt"_s}, u"error"_s,
            u"identity.default.client_secret_file"_s, u"env AAD_CLIENT_SECRET_FILE"_s, u"does not exist"_s);
        row("certificate and key in one file", app + QStringList{cert + u"combined.pem"_s}, u"valid"_s);
        row("key before certificate", app + QStringList{cert + u"key-first.pem"_s}, u"valid"_s);
        row("certificate via AZURE twin",
            app + QStringList{u"AZURE_CLIENT_CERTIFICATE_PATH=%DIR%/combined.pem"_s}, u"valid"_s);
        row("certificate missing", app + QStringList{cert + u"missing.pem"_s}, u"error"_s, certSetting,
            certOrigin, u"does not exist"_s);
        row("certificate is a directory", app + QStringList{cert + u"a-directory"_s}, u"error"_s, certSetting,
            certOrigin, u"not a regular file"_s);
        row("certificate unreadable", app + QStringList{cert + u"unreadable.pem"_s}, u"error"_s, certSetting,
            certOrigin, u"not readable"_s);
        row("not a certificate", app + QStringList{cert + u"not-a-certificate.txt"_s}, u"error"_s,
            certSetting, certOrigin, u"neither a PEM certificate nor a PFX"_s);
        row("broken PEM", app + QStringList{cert + u"broken.pem"_s}, u"error"_s, certSetting, certOrigin,
            u"contains no PEM certificate"_s);
        row("certificate without key", app + QStringList{cert + u"cert.pem"_s}, u"error"_s, certSetting,
            certOrigin, u"no private key"_s);
        row("key in separate file",
            app + QStringList{cert + u"cert.pem"_s, u"AAD_CLIENT_CERTIFICATE_KEY_PATH=%DIR%/key.pem"_s},
            u"valid"_s);
        row("separate key missing",
            app + QStringList{cert + u"cert.pem"_s, u"AAD_CLIENT_CERTIFICATE_KEY_PATH=%DIR%/gone.pem"_s},
            u"error"_s, certSetting, certOrigin, u"does not exist"_s);
        row("key of another certificate",
            app + QStringList{cert + u"cert.pem"_s, u"AAD_CLIENT_CERTIFICATE_KEY_PATH=%DIR%/other-key.pem"_s},
            u"error"_s, certSetting, certOrigin, u"does not belong to the certificate"_s);
        row("encrypted key without password", app + QStringList{cert + u"combined-encrypted.pem"_s},
            u"error"_s, certSetting, certOrigin, u"wrong or missing password"_s);
        row("encrypted key with password",
            app + QStringList{cert + u"combined-encrypted.pem"_s,
                              u"AZURE_CLIENT_CERTIFICATE_PASSWORD=keypass"_s},
            u"valid"_s);
        row("pfx with password",
            app + QStringList{cert + u"with-password.pfx"_s, u"AZURE_CLIENT_CERTIFICATE_PASSWORD=pfxpass"_s},
            u"valid"_s);
        row("pfx wrong password",
            app + QStringList{cert + u"with-password.pfx"_s, u"AZURE_CLIENT_CERTIFICATE_PASSWORD=wrong"_s},
            u"error"_s, certSetting, certOrigin, u"wrong or missing password"_s);
        row("pfx password missing", app + QStringList{cert + u"with-password.pfx"_s}, u"error"_s, certSetting,
            certOrigin, u"wrong or missing password"_s);
        row("pfx without password", app + QStringList{cert + u"no-password.pfx"_s}, u"valid"_s);
        row("pfx without key", app + QStringList{cert + u"no-key.pfx"_s}, u"error"_s, certSetting, certOrigin,
            u"no private key"_s);
        row("certificate and secret", app + QStringList{cert + u"combined.pem"_s, u"AZURE_CLIENT_SECRET=s"_s},
            u"warning"_s, u"identity.default.type"_s, u"env IDENTITY_TYPE"_s, u"the certificate is used"_s);
        row("workload identity",
            kValidBase + QStringList{u"IDENTITY_TYPE=workloadIdentity"_s, u"AZURE_CLIENT_ID=c"_s,
                                     u"AZURE_TENANT_ID=t"_s, u"AZURE_FEDERATED_TOKEN_FILE=%DIR%/token.jwt"_s},
            u"valid"_s);
        row("workload identity without file",
            kValidBase + QStringList{u"IDENTITY_TYPE=workloadIdentity"_s, u"AZURE_CLIENT_ID=c"_s,
                                     u"AZURE_TENANT_ID=t"_s},
            u"error"_s, u"identity.default.type"_s, u"env IDENTITY_TYPE"_s,
            u"needs the federated token file"_s);
        row("workload identity file missing",
            kValidBase + QStringList{u"IDENTITY_TYPE=workloadIdentity"_s, u"AZURE_CLIENT_ID=c"_s,
                                     u"AZURE_TENANT_ID=t"_s,
                                     u"AZURE_FEDERATED_TOKEN_FILE=%DIR%/nothing.jwt"_s},
            u"error"_s, u"identity.default.federated_token_file"_s, u"env AZURE_FEDERATED_TOKEN_FILE"_s,
            u"does not exist"_s);
        row("authority host http", kValidBase + QStringList{u"AZURE_AUTHORITY_HOST=http://login.example"_s},
            u"error"_s, u"identity.default.authority_host"_s, u"env AZURE_AUTHORITY_HOST"_s,
            u"must be an https URL"_s);
        row("authority host https",
            kValidBase + QStringList{u"AZURE_AUTHORITY_HOST=https://login.microsoftonline.us"_s}, u"valid"_s);
        row("otel endpoint malformed",
            kValidBase + QStringList{u"OTEL_GRPC_ENDPOINT=http://col lector:4317"_s}, u"error"_s,
            u"telemetry.grpc_endpoint"_s, u"env OTEL_GRPC_ENDPOINT"_s, u"not a valid URL"_s);
        row("https proxy malformed", kValidBase + QStringList{u"HTTPS_PROXY=socks5://proxy:1080"_s},
            u"error"_s, u"outbound_proxy.https_proxy"_s, u"env HTTPS_PROXY"_s, u"http or https URL"_s);
        row("override authorization",
            kValidBase + QStringList{u"OVERRIDE_REQUEST_HEADERS=X-A: 1; authorization: Basic x"_s},
            u"error"_s, u"route.default.override_request_headers"_s, u"env OVERRIDE_REQUEST_HEADERS"_s,
            u"header cannot be overridden: the proxy always sets Authorization"_s);
        row("plain http target", {u"TARGET_HOST=http://localhost:9090"_s, u"AUDIENCE=x"_s}, u"warning"_s,
            u"route.default.target_host"_s, u"env TARGET_HOST"_s, u"plain http"_s);
        row("refresh percent out of range",
            kValidBase + QStringList{u"AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE=150"_s}, u"warning"_s,
            u"token.refresh_percent"_s, u"env AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE"_s,
            u"using the default 10"_s);
        row("refresh percent not a number",
            kValidBase + QStringList{u"AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE=ten"_s}, u"warning"_s,
            u"token.refresh_percent"_s, u"env AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE"_s,
            u"using the default 10"_s);
        row("unknown sampler", kValidBase + QStringList{u"OTEL_TRACES_SAMPLER=sometimes"_s}, u"error"_s,
            u"telemetry.traces_sampler"_s, u"env OTEL_TRACES_SAMPLER"_s, u"unknown sampler"_s);
        row("sampler ratio above 1", kValidBase + QStringList{u"OTEL_TRACES_SAMPLER_ARG=1.5"_s}, u"error"_s,
            u"telemetry.traces_sampler_arg"_s, u"env OTEL_TRACES_SAMPLER_ARG"_s, u"between 0 and 1"_s);
        row("unknown otlp protocol", kValidBase + QStringList{u"OTEL_EXPORTER_OTLP_PROTOCOL=http/json"_s},
            u"error"_s, u"telemetry.otlp_protocol"_s, u"env OTEL_EXPORTER_OTLP_PROTOCOL"_s,
            u"use grpc or http/protobuf"_s);
        row("otlp headers without key",
            kValidBase + QStringList{u"OTEL_EXPORTER_OTLP_HEADERS=api-key=x,=y"_s}, u"error"_s,
            u"telemetry.otlp_headers"_s, u"env OTEL_EXPORTER_OTLP_HEADERS"_s, u"entry 2 is not key=value"_s);
        row("unknown route identity", kValidBase + QStringList{u"ROUTE_IDENTITY=nobody"_s}, u"error"_s,
            u"route.default.identity"_s, u"env ROUTE_IDENTITY"_s, u"no [identity \"nobody\"] section"_s);
        row("open listener", kValidBase + QStringList{u"LISTEN_ADDRESS=0.0.0.0"_s}, u"warning"_s,
            u"listener.address"_s, u"env LISTEN_ADDRESS"_s, u"without inbound protection"_s);
        row("api keys",
            kValidBase + QStringList{u"LISTEN_ADDRESS=*"_s, u"INBOUND_API_KEYS=0123456789abcdef0123"_s},
            u"valid"_s);
        row("short api key", kValidBase + QStringList{u"INBOUND_API_KEYS=short"_s}, u"warning"_s,
            u"listener.api_keys"_s, u"env INBOUND_API_KEYS"_s, u"shorter than 16 characters"_s);
        row("api keys file missing", kValidBase + QStringList{u"INBOUND_API_KEYS_FILE=%DIR%/gone.txt"_s},
            u"error"_s, u"listener.api_keys_file"_s, u"env INBOUND_API_KEYS_FILE"_s, u"cannot read"_s);
        row("api keys file", kValidBase + QStringList{u"INBOUND_API_KEYS_FILE=%DIR%/keys-private.txt"_s},
            u"valid"_s);
        row("api key header authorization",
            kValidBase + QStringList{u"INBOUND_API_KEYS=0123456789abcdef0123"_s,
                                     u"INBOUND_API_KEY_HEADER=Authorization"_s},
            u"error"_s, u"listener.api_key_header"_s, u"env INBOUND_API_KEY_HEADER"_s, u"always accepted"_s);
        row("override Host refused",
            kValidBase + QStringList{u"OVERRIDE_REQUEST_HEADERS=Host: evil.example"_s}, u"error"_s,
            u"route.default.override_request_headers"_s, u"env OVERRIDE_REQUEST_HEADERS"_s,
            u"the proxy sets Host"_s);
        row("override hop-by-hop refused (JSON form)",
            kValidBase + QStringList{u"OVERRIDE_REQUEST_HEADERS={\"Connection\": \"close\"}"_s}, u"error"_s,
            u"route.default.override_request_headers"_s, u"env OVERRIDE_REQUEST_HEADERS"_s, u"hop-by-hop"_s);
        row("override Authorization refused (JSON form)",
            kValidBase + QStringList{u"OVERRIDE_REQUEST_HEADERS={\"authorization\": \"Bearer x\"}"_s},
            u"error"_s, u"route.default.override_request_headers"_s, u"env OVERRIDE_REQUEST_HEADERS"_s,
            u"its own token"_s);
        row("override headers",
            kValidBase + QStringList{u"OVERRIDE_REQUEST_HEADERS=X-Tenant: a; X-Other: b"_s}, u"valid"_s);
        row("remove Authorization refused",
            kValidBase + QStringList{u"REMOVE_REQUEST_HEADERS=Cookie, Authorization"_s}, u"error"_s,
            u"route.default.remove_request_headers"_s, u"env REMOVE_REQUEST_HEADERS"_s,
            u"cannot be removed by a route"_s);
        row("route port is the listener port", kValidBase + QStringList{u"ROUTE_LISTEN_PORT=8081"_s},
            u"error"_s, u"route.default.listen_port"_s, u"env ROUTE_LISTEN_PORT"_s,
            u"main listener's port"_s);
        row("secret file readable by others",
            app + QStringList{u"AAD_CLIENT_SECRET_FILE=%DIR%/secret-world-readable.txt"_s}, u"warning"_s,
            u"identity.default.client_secret_file"_s, u"env AAD_CLIENT_SECRET_FILE"_s,
            u"other users can read it"_s);
        row("secret file writable by others",
            app + QStringList{u"AAD_CLIENT_SECRET_FILE=%DIR%/secret-world-writable.txt"_s}, u"error"_s,
            u"identity.default.client_secret_file"_s, u"env AAD_CLIENT_SECRET_FILE"_s,
            u"other users can write it; refused"_s);
        row("key file writable by others",
            kValidBase + QStringList{u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/cert.pem"_s,
                                     u"LISTENER_TLS_KEY_PATH=%DIR%/key-world-writable.pem"_s},
            u"error"_s, u"listener.tls_key"_s, u"env LISTENER_TLS_KEY_PATH"_s, u"other users can write it"_s);
        row("pfx password from a file",
            app + QStringList{cert + u"with-password.pfx"_s,
                              u"AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE=%DIR%/pfx-password.txt"_s},
            u"valid"_s);
        row("pfx password and password file",
            app + QStringList{cert + u"with-password.pfx"_s, u"AZURE_CLIENT_CERTIFICATE_PASSWORD=pfxpass"_s,
                              u"AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE=%DIR%/pfx-password.txt"_s},
            u"error"_s, u"identity.default.certificate_password_file"_s,
            u"env AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE"_s, u"not both"_s);
        row("client ca without tls", kValidBase + QStringList{u"INBOUND_CLIENT_CA_PATH=%DIR%/cert.pem"_s},
            u"error"_s, u"listener.client_ca"_s, u"env INBOUND_CLIENT_CA_PATH"_s,
            u"need TLS on the listener"_s);
        row("listener tls",
            kValidBase + QStringList{u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/cert.pem"_s,
                                     u"LISTENER_TLS_KEY_PATH=%DIR%/key.pem"_s},
            u"valid"_s);
        row("listener pfx with password file",
            kValidBase + QStringList{u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/with-password.pfx"_s,
                                     u"LISTENER_TLS_KEY_PASSWORD_FILE=%DIR%/pfx-password.txt"_s},
            u"valid"_s);
        row("mutual tls",
            kValidBase + QStringList{u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/combined.pem"_s,
                                     u"INBOUND_CLIENT_CA_PATH=%DIR%/cert.pem"_s},
            u"valid"_s);
        row("listener tls without key",
            kValidBase + QStringList{u"LISTENER_TLS_CERTIFICATE_PATH=%DIR%/cert.pem"_s}, u"error"_s,
            u"listener.tls_certificate"_s, u"env LISTENER_TLS_CERTIFICATE_PATH"_s, u"no private key"_s);
        row("ca bundle not a certificate",
            kValidBase + QStringList{u"UPSTREAM_CA_BUNDLE=%DIR%/not-a-certificate.txt"_s}, u"error"_s,
            u"upstream.ca_bundle"_s, u"env UPSTREAM_CA_BUNDLE"_s, u"no PEM certificate"_s);
        row("ca bundle", kValidBase + QStringList{u"UPSTREAM_CA_BUNDLE=%DIR%/cert.pem"_s}, u"valid"_s);
        row("SSL_CERT_FILE unusable",
            kValidBase + QStringList{u"SSL_CERT_FILE=%DIR%/not-a-certificate.txt"_s}, u"warning"_s,
            u"SSL_CERT_FILE"_s, u"env SSL_CERT_FILE"_s, u"it is ignored"_s);
        row("idle above max connections",
            kValidBase + QStringList{u"UPSTREAM_MAX_CONNECTIONS_PER_WORKER=4"_s,
                                     u"UPSTREAM_MAX_IDLE_CONNECTIONS_PER_WORKER=8"_s},
            u"error"_s, u"upstream.max_idle_connections_per_worker"_s,
            u"env UPSTREAM_MAX_IDLE_CONNECTIONS_PER_WORKER"_s, u"larger than max_connections_per_worker"_s);
        row("max connections below the default idle cap",
            kValidBase + QStringList{u"UPSTREAM_MAX_CONNECTIONS_PER_WORKER=4"_s}, u"valid"_s);
        row("bad boolean", kValidBase + QStringList{u"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=maybe"_s},
            u"error"_s, u"identity.default.send_certificate_chain"_s,
            u"env AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"_s, u"not a boolean"_s);
        row("bad duration", kValidBase + QStringList{u"UPSTREAM_CONNECT_TIMEOUT_MS=5s"_s}, u"error"_s,
            u"upstream.connect_timeout_ms"_s, u"env UPSTREAM_CONNECT_TIMEOUT_MS"_s, u"whole milliseconds"_s);
        row("bad list", kValidBase + QStringList{u"INBOUND_ALLOWED_CIDRS=10.0.0.0/8,,"_s}, u"error"_s,
            u"listener.allowed_cidrs"_s, u"env INBOUND_ALLOWED_CIDRS"_s, u"empty entry"_s);
        row("bad cidr", kValidBase + QStringList{u"INBOUND_ALLOWED_CIDRS=10.0.0.0/33"_s}, u"error"_s,
            u"listener.allowed_cidrs"_s, u"env INBOUND_ALLOWED_CIDRS"_s, u"not an address range"_s);
    }
    void validation()
    {
        QFETCH(QStringList, environment);
        QFETCH(QString, severity);
        QFETCH(QString, setting);
        QFETCH(QString, origin);
        QFETCH(QString, message);
        if (QTest::currentDataTag() == QByteArray("certificate unreadable") && ::geteuid() == 0)
            QSKIP("root reads files without read permission");

        const LoadedConfig loaded = loadAndValidate(environment);
        QStringList all;
        for (const ConfigIssue &issue : loaded.issues)
            all.append(issue.toString());
        const QByteArray report = all.join(u'\n').toUtf8();
        if (severity == u"valid") {
            QVERIFY2(!loaded.hasErrors(), report.constData());
            return;
        }
        const bool expectError = severity == u"error";
        QCOMPARE(loaded.hasErrors(), expectError);
        const bool found =
            std::any_of(loaded.issues.cbegin(), loaded.issues.cend(), [&](const ConfigIssue &i) {
                return i.isError() == expectError && i.setting == setting && i.origin.toString() == origin &&
                       i.message.contains(message);
            });
        QVERIFY2(found, report.constData());
    }

    void everyProblemAtOnce()
    {
        const LoadedConfig loaded = loadAndValidate({u"LISTENING_PORT=0"_s, u"IDENTITY_TYPE=aadApplication"_s,
                                                     u"AAD_CLIENT_CERTIFICATE_PATH=%DIR%/cert.pem"_s,
                                                     u"AZURE_AUTHORITY_HOST=http://x"_s,
                                                     u"OVERRIDE_REQUEST_HEADERS=Authorization: x"_s});
        QSet<QString> settings;
        for (const ConfigIssue &issue : loaded.issues)
            if (issue.isError())
                settings.insert(issue.setting);
        const QSet<QString> expected{u"listener.port"_s,
                                     u"route.default.target_host"_s,
                                     u"route.default.audience"_s,
                                     u"identity.default.type"_s,
                                     u"identity.default.certificate_path"_s,
                                     u"identity.default.authority_host"_s,
                                     u"route.default.override_request_headers"_s};
        QCOMPARE(settings, expected);
    }

    void namedSectionsAreValidatedWithTheirNames()
    {
        const QString file = path(u"named.conf"_s);
        QVERIFY(TestPki::writeFile(file, "[route \"query\"]\ntarget_host = q.example\nidentity = reader\n"
                                         "[identity \"reader\"]\ntype = userAssigned\n"));
        ConfigSources sources;
        sources.configFlag = file;
        sources.environment = QProcessEnvironment();
        LoadedConfig loaded = ConfigLoader::load(sources);
        const ConfigIssues issues = ConfigValidator::validate(loaded);
        QStringList all;
        for (const ConfigIssue &issue : issues)
            all.append(issue.toString());
        const QString text = all.join(u'\n');
        QVERIFY2(
            text.contains(u"error: route.query.audience (default): audience is required: set audience in "
                          u"[route \"query\"]"_s),
            qPrintable(text));
        QVERIFY2(text.contains(u"error: identity.reader.type ("_s + file + u":5): userAssigned needs"_s),
                 qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(tst_ConfigValidator)
#include "tst_ConfigValidator.moc"
