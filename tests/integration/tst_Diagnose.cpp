// `aad-auth-proxy diagnose` against the fakes: every step passes with a working setup, and each
// failing step (configuration, identity source, token claims, target, test request) is reported
// in plain words, with the later steps skipped and a non-zero exit. The token is never printed.
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeUpstream;

namespace {

// A compact JWT with the given claims and a dummy signature: what IMDS hands out, minus a valid
// signature (the diagnosis decodes without verifying).
QByteArray makeJwt(const QJsonObject &claims)
{
    const auto part = [](const QJsonObject &object) {
        return QJsonDocument(object)
            .toJson(QJsonDocument::Compact)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    return part(QJsonObject{{u"alg"_s, u"RS256"_s}, {u"typ"_s, u"JWT"_s}}) + '.' + part(claims) +
           ".c2lnbmF0dXJl";
}

quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort(); // closed again when probe goes
}

struct Run {
    int exitCode = -1;
    QString out;
    QStringList lines;
};

} // namespace

class tst_Diagnose : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    int m_upstreamStatus = 200;
    const QString kClientId = u"aaaaaaaa-0000-0000-0000-000000000001"_s;

    QJsonObject goodClaims() const
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        return QJsonObject{
            {u"aud"_s, u"https://monitor.azure.com"_s},
            {u"appid"_s, kClientId},
            {u"oid"_s, u"bbbbbbbb-0000-0000-0000-000000000002"_s},
            {u"tid"_s, u"cccccccc-0000-0000-0000-000000000003"_s},
            {u"xms_mirid"_s,
             u"/subscriptions/x/resourcegroups/y/providers/Microsoft.Compute/virtualMachines/vm"_s},
            {u"iat"_s, now},
            {u"exp"_s, now + 3600}};
    }

    Run diagnose(const QList<std::pair<QString, QString>> &settings)
    {
        QProcessEnvironment env;
        for (const QString &keep : {u"PATH"_s, u"LD_LIBRARY_PATH"_s, u"ASAN_OPTIONS"_s, u"LSAN_OPTIONS"_s,
                                    u"UBSAN_OPTIONS"_s, u"TSAN_OPTIONS"_s}) {
            const QString value = qEnvironmentVariable(keep.toLatin1().constData());
            if (!value.isEmpty())
                env.insert(keep, value);
        }
        env.insert(u"AAD_AUTH_PROXY_CONFIG"_s, QString());
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        env.insert(u"IDENTITY_TYPE"_s, u"systemassigned"_s);
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        for (const auto &[name, value] : settings) {
            if (value.isNull())
                env.remove(name);
            else
                env.insert(name, value);
        }
        QProcess process;
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(AAP_SERVICE_BINARY), {u"diagnose"_s, u"--config"_s, u"/dev/null"_s});
        // The test runs an event loop so the fakes in this process can answer.
        QSignalSpy finished(&process, &QProcess::finished);
        finished.wait(60'000);
        Run run;
        run.exitCode = process.exitCode();
        run.out = QString::fromUtf8(process.readAllStandardOutput());
        run.lines = run.out.split(u'\n', Qt::SkipEmptyParts);
        const QByteArray issued = m_imds.lastIssuedToken();
        if (!issued.isEmpty()) {
            const QByteArray everything = run.out.toUtf8() + process.readAllStandardError();
            if (everything.contains(issued))
                run.exitCode = -100; // makes every test fail loudly: the token was printed
        }
        return run;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        m_imds.setSystemClientId(kClientId);
        QVERIFY(m_upstream.listen());
        m_upstream.setHandler([this](const FakeUpstream::Request &) {
            FakeUpstream::Response response;
            response.status = m_upstreamStatus;
            return response;
        });
    }

    void init()
    {
        m_upstreamStatus = 200;
        m_imds.setIssuedToken(makeJwt(goodClaims()));
        m_imds.clearFaults();
    }

    void everyStepPasses()
    {
        const Run run = diagnose({});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out));
        QCOMPARE(run.lines.size(), 5);
        for (const QString &line : run.lines)
            QVERIFY2(line.startsWith(u"PASS"_s), qPrintable(line));
        QVERIFY(run.lines[1].contains(u"imds"_s));
        QVERIFY(run.lines[2].contains(u"aud=https://monitor.azure.com"_s));
        QVERIFY(run.lines[2].contains(u"appid/azp="_s + kClientId));
        QVERIFY(run.lines[2].contains(u"xms_mirid="_s));
        QVERIFY(run.lines[3].contains(u"plain http"_s));
        // The test request carried the token.
        QVERIFY(m_upstream.requests().last().header("Authorization").value_or(QByteArray()) ==
                "Bearer " + m_imds.lastIssuedToken());
    }

    void invalidConfiguration()
    {
        const Run run = diagnose({{u"TARGET_HOST"_s, QString()}});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.lines[0].startsWith(u"FAIL  configuration"_s));
        QVERIFY(run.lines[0].contains(u"target_host"_s));
        QCOMPARE(run.lines.size(), 5);
        for (int i = 1; i < 5; ++i)
            QVERIFY(run.lines[i].startsWith(u"SKIP"_s));
    }

    void identitySourceUnreachable()
    {
        const Run run =
            diagnose({{u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, u"http://127.0.0.1:%1"_s.arg(closedPort())}});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.lines[0].startsWith(u"PASS"_s));
        QVERIFY2(run.lines[1].startsWith(u"FAIL  identity source"_s), qPrintable(run.out));
        QVERIFY(run.lines[1].contains(u"could not be reached"_s));
        QVERIFY(run.lines[2].startsWith(u"SKIP"_s));
    }

    void tokenRefusedByTheIdentitySource()
    {
        // A user-assigned identity the VM does not have: IMDS answers 400.
        const Run run = diagnose({{u"IDENTITY_TYPE"_s, u"userassigned"_s},
                                  {u"AZURE_CLIENT_ID"_s, u"dddddddd-0000-0000-0000-000000000009"_s}});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.lines[1].startsWith(u"PASS"_s), qPrintable(run.out));
        QVERIFY(run.lines[2].startsWith(u"FAIL  token"_s));
        QVERIFY(run.lines[2].contains(u"assigned to this machine"_s));
        QVERIFY(run.lines[3].startsWith(u"SKIP"_s));
    }

    void tokenForTheWrongAudience()
    {
        QJsonObject claims = goodClaims();
        claims.insert(u"aud"_s, u"https://management.azure.com/"_s);
        m_imds.setIssuedToken(makeJwt(claims));
        const Run run = diagnose({});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.lines[2].startsWith(u"FAIL  token"_s), qPrintable(run.out));
        QVERIFY(run.lines[2].contains(u"audience https://management.azure.com/"_s));
        QVERIFY(run.lines[3].startsWith(u"SKIP"_s));
    }

    void targetUnreachable()
    {
        const Run run = diagnose({{u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(closedPort())}});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.lines[3].startsWith(u"FAIL  target"_s), qPrintable(run.out));
        QVERIFY(run.lines[3].contains(u"cannot connect"_s));
        QVERIFY(run.lines[4].startsWith(u"SKIP"_s));
    }

    void testRequestRefused_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("401") << 401 << QString() << u"audience (https://monitor.azure.com) or the tenant"_s;
        QTest::newRow("403 ingestion")
            << 403 << u"/dataCollectionRules/dcr-0123/streams/Microsoft-PrometheusMetrics"_s
            << u"Monitoring Metrics Publisher on the data collection rule"_s;
        QTest::newRow("403 other") << 403 << QString() << u"Monitoring Data Reader to query"_s;
        QTest::newRow("404") << 404 << QString() << u"/dataCollectionRules/"_s;
    }

    void testRequestRefused()
    {
        QFETCH(int, status);
        QFETCH(QString, path);
        QFETCH(QString, expected);
        m_upstreamStatus = status;
        const Run run =
            diagnose({{u"TARGET_HOST"_s, u"http://127.0.0.1:%1%2"_s.arg(m_upstream.port()).arg(path)}});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.lines[4].startsWith(u"FAIL  test request"_s), qPrintable(run.out));
        QVERIFY2(run.lines[4].contains(expected), qPrintable(run.lines[4]));
        QVERIFY(run.lines[4].contains(QString::number(status)));
        if (!path.isEmpty())
            QCOMPARE(m_upstream.requests().last().method, QByteArray("POST"));
    }
};

QTEST_GUILESS_MAIN(tst_Diagnose)
#include "tst_Diagnose.moc"
