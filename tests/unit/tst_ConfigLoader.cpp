#include "config/ConfigLoader.h"
#include "config/SettingCatalog.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace aap::config;
using namespace Qt::StringLiterals;

namespace {

QProcessEnvironment environmentOf(const QHash<QString, QString> &variables)
{
    QProcessEnvironment environment;
    for (auto it = variables.cbegin(); it != variables.cend(); ++it)
        environment.insert(it.key(), it.value());
    return environment;
}

QString formatted(const LoadedConfig &loaded, const QString &section, const QString &key,
                  const QString &name = {})
{
    const SettingDescriptor *setting = SettingCatalog::find(section, key);
    Q_ASSERT(setting);
    ConstSettingTarget target{&loaded.config, nullptr, nullptr};
    const QString scope = name.isEmpty() ? u"default"_s : name;
    for (const RouteConfig &route : loaded.config.routes)
        if (route.name == scope)
            target.route = &route;
    for (const IdentityConfig &identity : loaded.config.identities)
        if (identity.name == scope)
            target.identity = &identity;
    return setting->format(target);
}

QStringList messages(const LoadedConfig &loaded, ConfigIssue::Severity severity)
{
    QStringList result;
    for (const ConfigIssue &issue : loaded.issues)
        if (issue.severity == severity)
            result.append(issue.toString());
    return result;
}

} // namespace

class tst_ConfigLoader : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_files = 0;

    QString writeFile(const QString &text)
    {
        QString path = m_dir.filePath(u"config-%1.conf"_s.arg(++m_files));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write test file");
        file.write(text.toUtf8());
        return path;
    }

    LoadedConfig load(const QString &fileText, const QHash<QString, QString> &env = {},
                      const QList<QPair<QString, QString>> &flags = {})
    {
        ConfigSources sources;
        if (!fileText.isNull())
            sources.configFlag = writeFile(fileText);
        sources.defaultConfigPath = m_dir.filePath(u"missing-default.conf"_s);
        sources.environment = environmentOf(env);
        sources.flags = flags;
        return ConfigLoader::load(sources);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void precedence_data()
    {
        QTest::addColumn<QString>("section");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("env");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QStringList>("values"); // default (as printed), file, env, flag
        QTest::addColumn<int>("sources");        // bit 0 file, bit 1 env, bit 2 flag
        struct Setting {
            const char *section;
            const char *key;
            const char *env;
            const char *flag;
            QStringList values;
        };
        const QList<Setting> settings{
            {"listener",
             "port",
             "LISTENING_PORT",
             "listening-port",
             {u"8081"_s, u"9001"_s, u"9002"_s, u"9003"_s}},
            {"route",
             "target_host",
             "TARGET_HOST",
             "target-host",
             {QString(), u"https://file.example"_s, u"https://env.example"_s, u"https://flag.example"_s}},
            {"identity",
             "client_id",
             "AAD_CLIENT_ID",
             "client-id",
             {QString(), u"file-id"_s, u"env-id"_s, u"flag-id"_s}},
            {"log", "level", "LOG_LEVEL", "log-level", {u"info"_s, u"warning"_s, u"error"_s, u"debug"_s}},
            {"telemetry",
             "service_name",
             "OTEL_SERVICE_NAME",
             "otel-service-name",
             {u"aad_auth_proxy"_s, u"from-file"_s, u"from-env"_s, u"from-flag"_s}},
            {"upstream",
             "connect_timeout_ms",
             "UPSTREAM_CONNECT_TIMEOUT_MS",
             "upstream-connect-timeout-ms",
             {u"5000"_s, u"100"_s, u"200"_s, u"300"_s}},
        };
        for (const Setting &s : settings) {
            for (int mask = 0; mask < 8; ++mask) {
                const QString row = QString::fromLatin1(s.section) + u"."_s + QString::fromLatin1(s.key) +
                                    (mask & 1 ? u" file"_s : QString()) + (mask & 2 ? u" env"_s : QString()) +
                                    (mask & 4 ? u" flag"_s : QString()) +
                                    (mask == 0 ? u" default"_s : QString());
                QTest::newRow(qPrintable(row))
                    << QString::fromLatin1(s.section) << QString::fromLatin1(s.key)
                    << QString::fromLatin1(s.env) << QString::fromLatin1(s.flag) << s.values << mask;
            }
        }
    }
    void precedence()
    {
        QFETCH(QString, section);
        QFETCH(QString, key);
        QFETCH(QString, env);
        QFETCH(QString, flag);
        QFETCH(QStringList, values);
        QFETCH(int, sources);

        QString fileText;
        QHash<QString, QString> environment;
        QList<QPair<QString, QString>> flags;
        if (sources & 1)
            fileText = u"# test\n["_s + section + u"]\n"_s + key + u" = "_s + values.at(1) + u"\n"_s;
        if (sources & 2)
            environment.insert(env, values.at(2));
        if (sources & 4)
            flags.append({flag, values.at(3)});

        const LoadedConfig loaded = load(sources & 1 ? fileText : QString(), environment, flags);
        QVERIFY2(loaded.issues.isEmpty(),
                 qPrintable(messages(loaded, ConfigIssue::Severity::Error).join(u"\n"_s)));

        const SettingDescriptor *setting = SettingCatalog::find(section, key);
        QVERIFY(setting);
        const SettingOrigin origin = loaded.origin(setting->id(u"default"_s));
        if (sources & 4) {
            QCOMPARE(formatted(loaded, section, key), values.at(3));
            QCOMPARE(origin, SettingOrigin::fromFlag(u"--"_s + flag));
        } else if (sources & 2) {
            QCOMPARE(formatted(loaded, section, key), values.at(2));
            QCOMPARE(origin, SettingOrigin::fromEnvironment(env));
        } else if (sources & 1) {
            QCOMPARE(formatted(loaded, section, key), values.at(1));
            QCOMPARE(origin.kind, SettingOrigin::Kind::File);
            QCOMPARE(origin.line, 3);
            QVERIFY(origin.toString().endsWith(u".conf:3"_s));
        } else {
            QCOMPARE(formatted(loaded, section, key), values.at(0));
            QCOMPARE(origin, SettingOrigin::fromDefault());
        }
    }

    void environmentOnlyStart()
    {
        ConfigSources sources;
        sources.defaultConfigPath = m_dir.filePath(u"does-not-exist.conf"_s);
        sources.environment = environmentOf({{u"TARGET_HOST"_s, u"10.0.0.5:9090"_s},
                                             {u"AUDIENCE"_s, u"https://monitor.azure.com/.default"_s},
                                             {u"IDENTITY_TYPE"_s, u"SystemAssigned"_s},
                                             {u"LISTENING_PORT"_s, u"8082"_s}});
        const LoadedConfig loaded = ConfigLoader::load(sources);
        QVERIFY(loaded.issues.isEmpty());
        QVERIFY(loaded.filePath.isEmpty());
        QCOMPARE(loaded.config.routes.size(), 1);
        QCOMPARE(loaded.config.routes.constFirst().target.host, u"10.0.0.5"_s);
        QCOMPARE(loaded.config.routes.constFirst().target.port, quint16(9090));
        QCOMPARE(loaded.config.routes.constFirst().audience, u"https://monitor.azure.com"_s);
        QCOMPARE(loaded.config.identities.constFirst().kind, IdentityKind::SystemAssigned);
        QCOMPARE(loaded.config.listener.port, quint16(8082));
    }

    void missingExplicitFileIsAnError()
    {
        ConfigSources sources;
        sources.configFlag = m_dir.filePath(u"nope.conf"_s);
        sources.environment = QProcessEnvironment();
        const LoadedConfig loaded = ConfigLoader::load(sources);
        QVERIFY(loaded.hasErrors());
        QVERIFY(loaded.issues.constFirst().toString().contains(u"does not exist"_s));
        QCOMPARE(loaded.issues.constFirst().origin, SettingOrigin::fromFlag(u"--config"_s));
    }

    void configPathFromEnvironment()
    {
        const QString path = writeFile(u"[listener]\nport = 7000\n"_s);
        ConfigSources sources;
        sources.defaultConfigPath = m_dir.filePath(u"missing-default.conf"_s);
        sources.environment = environmentOf({{u"AAD_AUTH_PROXY_CONFIG"_s, path}});
        LoadedConfig loaded = ConfigLoader::load(sources);
        QCOMPARE(loaded.config.listener.port, quint16(7000));
        QCOMPARE(loaded.filePath, path);

        sources.environment = environmentOf({{u"AAD_AUTH_PROXY_CONFIG"_s, m_dir.filePath(u"gone.conf"_s)}});
        loaded = ConfigLoader::load(sources);
        QVERIFY(loaded.hasErrors());
        QCOMPARE(loaded.issues.constFirst().origin,
                 SettingOrigin::fromEnvironment(u"AAD_AUTH_PROXY_CONFIG"_s));
    }

    void defaultFileIsRead()
    {
        ConfigSources sources;
        sources.defaultConfigPath = writeFile(u"[log]\nlevel = error\n"_s);
        sources.environment = QProcessEnvironment();
        const LoadedConfig loaded = ConfigLoader::load(sources);
        QCOMPARE(loaded.config.logLevel, LogLevel::Error);
        QCOMPARE(loaded.filePath, sources.defaultConfigPath);
    }

    void azureTwins_data()
    {
        QTest::addColumn<QString>("original");
        QTest::addColumn<QString>("twin");
        QTest::addColumn<QString>("key");
        QTest::newRow("client id") << u"AAD_CLIENT_ID"_s << u"AZURE_CLIENT_ID"_s << u"client_id"_s;
        QTest::newRow("tenant id") << u"AAD_TENANT_ID"_s << u"AZURE_TENANT_ID"_s << u"tenant_id"_s;
        QTest::newRow("certificate") << u"AAD_CLIENT_CERTIFICATE_PATH"_s << u"AZURE_CLIENT_CERTIFICATE_PATH"_s
                                     << u"certificate_path"_s;
    }
    void azureTwins()
    {
        QFETCH(QString, original);
        QFETCH(QString, twin);
        QFETCH(QString, key);

        // Only the twin: it is used, without a warning.
        LoadedConfig loaded = load(QString(), {{twin, u"twin-value"_s}});
        QVERIFY(loaded.issues.isEmpty());
        QCOMPARE(formatted(loaded, u"identity"_s, key), u"twin-value"_s);
        QCOMPARE(loaded.origin(u"identity.default."_s + key), SettingOrigin::fromEnvironment(twin));

        // Both: the original wins and a warning names both.
        loaded = load(QString(), {{original, u"original-value"_s}, {twin, u"twin-value"_s}});
        QCOMPARE(formatted(loaded, u"identity"_s, key), u"original-value"_s);
        QCOMPARE(loaded.origin(u"identity.default."_s + key), SettingOrigin::fromEnvironment(original));
        const QStringList warnings = messages(loaded, ConfigIssue::Severity::Warning);
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings.constFirst().contains(original + u" and "_s + twin + u" are both set; "_s +
                                                original + u" wins"_s),
                 qPrintable(warnings.constFirst()));
        QVERIFY(!hasErrors(loaded.issues));
    }

    void proxyCaseTwinsWarnOnlyWhenDifferent()
    {
        LoadedConfig loaded =
            load(QString(), {{u"HTTPS_PROXY"_s, u"http://p:3128"_s}, {u"https_proxy"_s, u"http://p:3128"_s}});
        QVERIFY(loaded.issues.isEmpty());
        QCOMPARE(loaded.config.outboundProxy.httpsProxy.port(), 3128);
        loaded =
            load(QString(), {{u"HTTPS_PROXY"_s, u"http://p:3128"_s}, {u"https_proxy"_s, u"http://q:3129"_s}});
        QCOMPARE(messages(loaded, ConfigIssue::Severity::Warning).size(), 1);
        QCOMPARE(loaded.config.outboundProxy.httpsProxy.port(), 3128);
        loaded = load(QString(), {{u"no_proxy"_s, u"localhost, .internal"_s}});
        QCOMPARE(loaded.config.outboundProxy.noProxy, (QStringList{u"localhost"_s, u".internal"_s}));
    }

    void sslCertFileIsOnlyCheckedForAWarning()
    {
        // Trusted by the TLS layers in addition to ca_bundle; an unusable one must not stop the service.
        const QString bad = writeFile(u"not a certificate"_s);
        const LoadedConfig loaded = load(QString(), {{u"SSL_CERT_FILE"_s, bad}});
        QVERIFY(loaded.config.upstream.caBundlePath.isEmpty());
        QVERIFY(!loaded.hasErrors());
        const QStringList warnings = messages(loaded, ConfigIssue::Severity::Warning);
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings.constFirst().startsWith(u"warning: SSL_CERT_FILE (env SSL_CERT_FILE): "_s) &&
                     warnings.constFirst().contains(u"no PEM certificate"_s),
                 qPrintable(warnings.constFirst()));
    }

    void emptyEnvironmentValuesAreNotSet()
    {
        const LoadedConfig loaded = load(u"[listener]\nport = 7001\n"_s, {{u"LISTENING_PORT"_s, u" "_s}});
        QVERIFY(loaded.issues.isEmpty());
        QCOMPARE(loaded.config.listener.port, quint16(7001));
        QCOMPARE(loaded.origin(u"listener.port"_s).kind, SettingOrigin::Kind::File);
    }

    void refreshPercentFallsBackToTen_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("expected");
        QTest::addColumn<bool>("warning");
        QTest::addColumn<bool>("error");
        QTest::newRow("25") << u"25"_s << 25 << false << false;
        QTest::newRow("1") << u"1"_s << 1 << false << false;
        QTest::newRow("99") << u"99"_s << 99 << false << false;
        QTest::newRow("0") << u"0"_s << 10 << true << false;
        QTest::newRow("100") << u"100"_s << 10 << true << false;
        QTest::newRow("-5") << u"-5"_s << 10 << true << false;
        QTest::newRow("abc") << u"abc"_s << 10 << true << false;
        QTest::newRow("overflow") << u"99999999999"_s << 10 << true << false;
        QTest::newRow("fraction") << u"12.5"_s << 10 << true << false;
    }
    void refreshPercentFallsBackToTen()
    {
        QFETCH(QString, value);
        QFETCH(int, expected);
        QFETCH(bool, warning);
        QFETCH(bool, error);
        const LoadedConfig loaded = load(QString(), {{u"AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE"_s, value}});
        QCOMPARE(loaded.config.token.refreshPercent, expected);
        QCOMPARE(messages(loaded, ConfigIssue::Severity::Warning).size(), warning ? 1 : 0);
        QCOMPARE(loaded.hasErrors(), error);
        if (warning)
            QVERIFY(messages(loaded, ConfigIssue::Severity::Warning)
                        .constFirst()
                        .contains(u"env AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE"_s));
    }

    void everyProblemReportedWithOrigin()
    {
        const LoadedConfig loaded =
            load(u"[listener]\nport = 0\n\n[route]\ntarget_host = ftp://x\nbogus line\n"
                 u"[identity]\ntype = magic\n"_s,
                 {{u"LISTEN_ADDRESS"_s, u"not-an-ip"_s}, {u"LOG_LEVEL"_s, u"loud"_s}},
                 {{u"worker-threads"_s, u"many"_s}});
        const QStringList errors = messages(loaded, ConfigIssue::Severity::Error);
        QCOMPARE(errors.size(), 7);
        const QString all = errors.join(u"\n"_s);
        QVERIFY2(all.contains(u"listener.port ("_s) && all.contains(u".conf:2): port 0"_s), qPrintable(all));
        QVERIFY2(all.contains(u".conf:5): 'ftp://x' has scheme"_s), qPrintable(all));
        QVERIFY2(all.contains(u".conf:6: expected 'key = value'"_s), qPrintable(all));
        QVERIFY2(all.contains(u"identity.default.type ("_s) &&
                     all.contains(u".conf:8): unknown identity type"_s),
                 qPrintable(all));
        QVERIFY2(all.contains(u"listener.address (env LISTEN_ADDRESS): 'not-an-ip'"_s), qPrintable(all));
        QVERIFY2(all.contains(u"log.level (env LOG_LEVEL): unknown log level"_s), qPrintable(all));
        QVERIFY2(all.contains(u"service.worker_threads (--worker-threads): 'many'"_s), qPrintable(all));
    }

    void unknownKeysAndSectionsWarn()
    {
        const LoadedConfig loaded =
            load(u"[listener]\nfuture = 1\n[nonsense]\nx = 1\ny = 2\n[log \"named\"]\nlevel = debug\n"_s);
        QVERIFY(!loaded.hasErrors());
        const QString all = messages(loaded, ConfigIssue::Severity::Warning).join(u"\n"_s);
        QVERIFY2(all.contains(u".conf:2: unknown key 'future' in [listener]"_s), qPrintable(all));
        QVERIFY2(all.contains(u".conf:4: unknown section [nonsense]"_s), qPrintable(all));
        QVERIFY2(all.contains(u".conf:7: section [log \"named\"] takes no name"_s), qPrintable(all));
        QCOMPARE(loaded.config.logLevel, LogLevel::Info);
        QCOMPARE(loaded.issues.size(), 3);
    }

    void namedRoutesAndIdentities()
    {
        const LoadedConfig loaded = load(u"[route \"ingest\"]\ntarget_host = ingest.example\naudience = "
                                         u"https://monitor.azure.com\nidentity = app\npath_prefix = /write\n"
                                         u"[route.query]\ntarget_host = query.example\naudience = "
                                         u"https://prometheus.monitor.azure.com/.default\nidentity = app\n"
                                         u"[identity \"app\"]\ntype = aadApplication\ntenant_id = t1\n"_s,
                                         {{u"AAD_CLIENT_ID"_s, u"env-client"_s}});
        QVERIFY(!loaded.hasErrors());
        // Environment settings go to the default identity, which is kept; the unused default route is
        // dropped.
        QCOMPARE(loaded.config.routes.size(), 2);
        QCOMPARE(loaded.config.routes.at(0).name, u"ingest"_s);
        QCOMPARE(loaded.config.routes.at(0).pathPrefix, u"/write"_s);
        QCOMPARE(loaded.config.routes.at(1).name, u"query"_s);
        QCOMPARE(loaded.config.routes.at(1).audience, u"https://prometheus.monitor.azure.com"_s);
        QCOMPARE(loaded.config.identities.size(), 2);
        QCOMPARE(loaded.config.identities.at(1).name, u"app"_s);
        QCOMPARE(loaded.config.identities.at(1).kind, IdentityKind::AadApplication);
        QCOMPARE(loaded.config.identities.at(0).clientId, u"env-client"_s);

        const LoadedConfig withoutEnv = load(
            u"[route \"a\"]\ntarget_host = a.example\nidentity = x\n[identity \"x\"]\ntype = systemAssigned\n"_s);
        QCOMPARE(withoutEnv.config.routes.size(), 1);
        QCOMPARE(withoutEnv.config.identities.size(), 1);
        QCOMPARE(withoutEnv.config.identities.constFirst().name, u"x"_s);
    }

    void duplicateKeyWarns()
    {
        const LoadedConfig loaded = load(u"[listener]\nport = 1000\nport = 2000\n"_s);
        QCOMPARE(loaded.config.listener.port, quint16(2000));
        QCOMPARE(loaded.origin(u"listener.port"_s).line, 3);
        const QStringList warnings = messages(loaded, ConfigIssue::Severity::Warning);
        QCOMPARE(warnings.size(), 1);
        QVERIFY(warnings.constFirst().contains(u"overrides line 2"_s));
    }

    void everySettingHasEveryName()
    {
        QSet<QString> flags;
        QSet<QString> envNames;
        QSet<QString> ids;
        for (const SettingDescriptor &setting : SettingCatalog::all()) {
            QVERIFY2(!setting.flag.isEmpty(), qPrintable(setting.id()));
            QVERIFY2(!setting.envNames.isEmpty(), qPrintable(setting.id()));
            QVERIFY2(!setting.description.isEmpty(), qPrintable(setting.id()));
            QVERIFY2(!flags.contains(setting.flag), qPrintable(setting.flag));
            flags.insert(setting.flag);
            for (const QString &name : setting.envNames) {
                QVERIFY2(!envNames.contains(name), qPrintable(name));
                envNames.insert(name);
            }
            QVERIFY(!ids.contains(setting.id()));
            ids.insert(setting.id());
            // Every setting can be set from a file and is reported from there.
            const SettingDescriptor *found = SettingCatalog::find(setting.section, setting.key);
            QCOMPARE(found, &setting);
        }
        for (const char *required : {"TARGET_HOST",
                                     "IDENTITY_TYPE",
                                     "AAD_CLIENT_ID",
                                     "AAD_TENANT_ID",
                                     "AAD_CLIENT_CERTIFICATE_PATH",
                                     "AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE",
                                     "AUDIENCE",
                                     "LISTENING_PORT",
                                     "OTEL_SERVICE_NAME",
                                     "OTEL_GRPC_ENDPOINT",
                                     "LOG_LEVEL",
                                     "LISTEN_ADDRESS",
                                     "AZURE_CLIENT_ID",
                                     "AZURE_TENANT_ID",
                                     "AZURE_CLIENT_SECRET",
                                     "AZURE_CLIENT_CERTIFICATE_PATH",
                                     "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                     "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
                                     "AZURE_AUTHORITY_HOST",
                                     "AZURE_FEDERATED_TOKEN_FILE",
                                     "HTTPS_PROXY",
                                     "https_proxy",
                                     "NO_PROXY",
                                     "no_proxy",
                                     "UPSTREAM_CONNECT_TIMEOUT_MS",
                                     "WORKER_THREADS",
                                     "CONTROL_SOCKET"})
            QVERIFY2(envNames.contains(QString::fromLatin1(required)), required);
    }
};

QTEST_GUILESS_MAIN(tst_ConfigLoader)
#include "tst_ConfigLoader.moc"
