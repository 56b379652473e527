#include "auth/providers/ArcProvider.h"
#include "core/SystemClock.h"
#include "protocol/FakeArc.h"
#include "protocol/TestPki.h"
#include "support/LogCapture.h"
#include "support/ProviderTestKit.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using aap::auth::ArcProvider;
using aap::auth::ManagedIdentitySelector;
using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using aap::test::FakeArc;
using Fault = aap::test::FakeTokenServer::Fault;
using namespace std::chrono_literals;
using Kit = aap::test::ProviderTestKit;
using aap::test::LogCapture;
using aap::test::TestPki;

namespace {

const QString kResource = QStringLiteral("https://monitor.azure.com");

ArcProvider::Options optionsFor(const FakeArc &arc, ManagedIdentitySelector identity = {})
{
    ArcProvider::Options options;
    options.identity = std::move(identity);
    options.identityEndpoint = arc.identityEndpoint();
    return options;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class tst_ArcProvider : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { ArcProvider::setTokenDirectoryForTesting({}); }

    void systemAssignedAnswersTheChallenge()
    {
        aap::SystemClock clock;
        FakeArc arc;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        LogCapture logs;
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QVERIFY(outcome->result->value().value == arc.lastIssuedToken());
        QCOMPARE(arc.challengeCount(), 1);
        QCOMPARE(arc.authorizedCount(), 1);
        QCOMPARE(arc.rejectedKeyCount(), 0);
        QCOMPARE(arc.requestCount(), 2);

        const auto challenge = arc.requests().at(0);
        QCOMPARE(challenge.rawQuery,
                 QByteArrayLiteral("api-version=2020-06-01&resource=https%3A%2F%2Fmonitor.azure.com"));
        QCOMPARE(challenge.header("Metadata"), QByteArrayLiteral("true"));
        QCOMPARE(challenge.headerCount("Authorization"), 0);
        const auto authorized = arc.requests().at(1);
        QCOMPARE(authorized.target, challenge.target);
        QCOMPARE(authorized.header("Metadata"), QByteArrayLiteral("true"));
        const QByteArray key = readFile(arc.issuedKeyPaths().constLast());
        QVERIFY(!key.isEmpty());
        QVERIFY(authorized.header("Authorization") == "Basic " + key);
        QCOMPARE(authorized.headerCount("X-Forwarded-For"), 0);

        // Neither the key nor the token reaches the log.
        for (const QString &line : LogCapture::lines()) {
            QVERIFY(!line.toUtf8().contains(key));
            QVERIFY(!line.toUtf8().contains(arc.lastIssuedToken()));
        }
        QCOMPARE(provider.describe(), QStringLiteral("arc (system-assigned)"));
    }

    void challengeOnEveryFetchWithFreshKey()
    {
        aap::SystemClock clock;
        FakeArc arc;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        for (int i = 0; i < 3; ++i) {
            auto outcome = Kit::fetchNow(provider);
            QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
            QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        }
        QCOMPARE(arc.challengeCount(), 3);
        QCOMPARE(arc.authorizedCount(), 3);
        QCOMPARE(arc.rejectedKeyCount(), 0);
        QCOMPARE(arc.issuedKeyPaths().size(), 3);
        QVERIFY(arc.issuedKeyPaths().at(0) != arc.issuedKeyPaths().at(1));
    }

    void userAssignedEchoedClientIdIsAccepted()
    {
        aap::SystemClock clock;
        FakeArc arc;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        const QString clientId = QStringLiteral("11111111-2222-3333-4444-555555555555");
        ArcProvider provider(http, clock,
                             optionsFor(arc, {ManagedIdentitySelector::Kind::ClientId, clientId}));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QCOMPARE(arc.lastRequest().queryValue(QStringLiteral("client_id")), clientId);
        QCOMPARE(provider.describe(), QStringLiteral("arc (user-assigned, client_id=") + clientId + u')');
    }

    void legacyAgentIgnoringClientIdFailsClosed()
    {
        aap::SystemClock clock;
        FakeArc arc;
        arc.setLegacyIgnoresClientId(true);
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(
            http, clock,
            optionsFor(arc, {ManagedIdentitySelector::Kind::ClientId, QStringLiteral("wanted-id")}));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        const TokenError &error = outcome->result->error();
        QCOMPARE(error.kind, TokenError::Kind::Identity);
        QVERIFY(!error.retryable);
        QVERIFY(error.description.contains(QLatin1String("wanted-id")));
        QVERIFY(error.description.contains(arc.systemClientId()));
        QCOMPARE(arc.authorizedCount(), 1);
    }

    void selectorsArcCannotVerifyAreRefused_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("object_id") << static_cast<int>(ManagedIdentitySelector::Kind::ObjectId);
        QTest::newRow("resource id") << static_cast<int>(ManagedIdentitySelector::Kind::ResourceId);
    }

    void selectorsArcCannotVerifyAreRefused()
    {
        QFETCH(int, kind);
        aap::SystemClock clock;
        FakeArc arc;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(
            http, clock,
            optionsFor(arc, {static_cast<ManagedIdentitySelector::Kind>(kind), QStringLiteral("x")}));
        auto outcome = Kit::fetchNow(provider);
        QVERIFY(!outcome->result.has_value()); // asynchronous even when refused up front
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Config);
        QCOMPARE(arc.requestCount(), 0);
    }

    void keyFileChecks_data()
    {
        QTest::addColumn<QString>("relativePath"); // placed relative to the token directory's parent
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("setup"); // "file", "none", "dir", "symlink"
        QTest::addColumn<bool>("retryable");

        QTest::newRow("outside the directory")
            << QStringLiteral("other/a.key") << QByteArrayLiteral("k") << QStringLiteral("file") << false;
        QTest::newRow("dot-dot escape") << QStringLiteral("tokens/../other/b.key") << QByteArrayLiteral("k")
                                        << QStringLiteral("file") << false;
        QTest::newRow("subdirectory") << QStringLiteral("tokens/sub/c.key") << QByteArrayLiteral("k")
                                      << QStringLiteral("file") << false;
        QTest::newRow("wrong extension")
            << QStringLiteral("tokens/d.txt") << QByteArrayLiteral("k") << QStringLiteral("file") << false;
        QTest::newRow("only .key") << QStringLiteral("tokens/.key") << QByteArrayLiteral("k")
                                   << QStringLiteral("file") << false;
        QTest::newRow("too large") << QStringLiteral("tokens/e.key") << QByteArray(4097, 'k')
                                   << QStringLiteral("file") << false;
        QTest::newRow("missing") << QStringLiteral("tokens/f.key") << QByteArray() << QStringLiteral("none")
                                 << true;
        QTest::newRow("directory") << QStringLiteral("tokens/g.key") << QByteArray() << QStringLiteral("dir")
                                   << false;
        QTest::newRow("symlink") << QStringLiteral("tokens/h.key") << QByteArray()
                                 << QStringLiteral("symlink") << false;
        QTest::newRow("line break") << QStringLiteral("tokens/i.key") << QByteArrayLiteral("abc\r\nX-Evil: 1")
                                    << QStringLiteral("file") << false;
        QTest::newRow("empty") << QStringLiteral("tokens/j.key") << QByteArray() << QStringLiteral("file")
                               << true;
    }

    void keyFileChecks()
    {
        QFETCH(QString, relativePath);
        QFETCH(QByteArray, contents);
        QFETCH(QString, setup);
        QFETCH(bool, retryable);

        QTemporaryDir root;
        QVERIFY(QDir(root.path()).mkpath(QStringLiteral("tokens/sub")));
        QVERIFY(QDir(root.path()).mkpath(QStringLiteral("other")));
        const QString tokens = root.filePath(QStringLiteral("tokens"));
        const QString path = root.path() + u'/' + relativePath;
        if (setup == QLatin1String("file")) {
            QVERIFY(TestPki::writeFile(QDir::cleanPath(path), contents));
        } else if (setup == QLatin1String("dir")) {
            QVERIFY(QDir().mkpath(path));
        } else if (setup == QLatin1String("symlink")) {
            QVERIFY(TestPki::writeFile(root.filePath(QStringLiteral("other/target.key")),
                                       QByteArrayLiteral("k")));
            QVERIFY(QFile::link(root.filePath(QStringLiteral("other/target.key")), path));
        }

        aap::SystemClock clock;
        FakeArc arc;
        arc.setChallenge(FakeArc::Challenge::RealmOverride, path);
        ArcProvider::setTokenDirectoryForTesting(tokens);
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        const TokenError &error = outcome->result->error();
        QCOMPARE(error.kind, TokenError::Kind::LocalFile);
        QCOMPARE(error.retryable, retryable);
        QVERIFY2(error.description.contains(path), qPrintable(error.description));
        QCOMPARE(arc.requestCount(), 1); // the key was never sent
    }

    void keyOfExactly4096BytesIsSent()
    {
        aap::SystemClock clock;
        FakeArc arc;
        const QString path = arc.tokenDirectory() + QStringLiteral("/max.key");
        QVERIFY(TestPki::writeFile(path, QByteArray(4096, 'k')));
        arc.setChallenge(FakeArc::Challenge::RealmOverride, path);
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        // The fake's own key differs, so it refuses; what matters is that the file passed the checks.
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Http);
        QCOMPARE(outcome->result->error().httpStatus, 401);
        QCOMPARE(arc.rejectedKeyCount(), 1);
        QVERIFY(arc.lastRequest().header("Authorization") == "Basic " + QByteArray(4096, 'k'));
    }

    void withoutTheHookOnlyTheAgentDirectoryIsAccepted()
    {
        aap::SystemClock clock;
        FakeArc arc;
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
#ifndef Q_OS_WIN
        QCOMPARE(provider.tokenDirectory(), QStringLiteral("/var/opt/azcmagent/tokens"));
#endif
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::LocalFile);
        QVERIFY(outcome->result->error().description.contains(arc.issuedKeyPaths().constLast()));
        QCOMPARE(arc.authorizedCount(), 0);
    }

    void badChallenges_data()
    {
        QTest::addColumn<int>("challenge");
        QTest::addColumn<int>("status");
        QTest::newRow("401 without header") << static_cast<int>(FakeArc::Challenge::NoHeader) << 401;
        QTest::newRow("401 without realm") << static_cast<int>(FakeArc::Challenge::NoRealm) << 401;
        QTest::newRow("401 Bearer") << static_cast<int>(FakeArc::Challenge::NotBasic) << 401;
        QTest::newRow("200 without challenge") << static_cast<int>(FakeArc::Challenge::Answer200) << 200;
    }

    void badChallenges()
    {
        QFETCH(int, challenge);
        QFETCH(int, status);
        aap::SystemClock clock;
        FakeArc arc;
        arc.setChallenge(static_cast<FakeArc::Challenge>(challenge));
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        const TokenError &error = outcome->result->error();
        QCOMPARE(error.kind, TokenError::Kind::Http);
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.code, QStringLiteral("invalid_challenge"));
        QVERIFY(!error.retryable);
        QCOMPARE(arc.requestCount(), 1);
    }

    void challengeStepErrorsUseTheImdsRules()
    {
        aap::SystemClock clock;
        FakeArc arc;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        // A request without Metadata is refused by the fake before any challenge: 400 bad_request_102.
        TokenHttpClient::Request request;
        request.url = arc.identityEndpoint();
        request.url.setQuery(QStringLiteral("api-version=2020-06-01&resource=x"));
        std::optional<TokenHttpClient::Result> raw;
        http.get(request, [&raw](TokenHttpClient::Result result) { raw.emplace(std::move(result)); });
        QTRY_VERIFY_WITH_TIMEOUT(raw.has_value(), 30'000);
        QVERIFY(raw->has_value());
        QCOMPARE(raw->value().status, 400);
        QCOMPARE(arc.challengeCount(), 0);
    }

    void tokenStepFaults_data()
    {
        Kit::addFaultColumns();
        Kit::addCommonFaultRows(30, Fault::Kind::HugeBody);
        // The token step uses the IMDS error rules, under which 410 and 404 are retried.
        Kit::addFaultRow("410", Fault::Kind::Status, 410, TokenError::Kind::Http, true);
        Kit::addFaultRow("404", Fault::Kind::Status, 404, TokenError::Kind::Http, true);
    }

    void tokenStepFaults()
    {
        aap::SystemClock clock;
        FakeArc arc;
        arc.injectFault(Kit::currentFault());
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ArcProvider provider(http, clock, optionsFor(arc));
        Kit::verifyFaultRow(provider);
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(arc.challengeCount(), 1);
    }

    void hangingTokenStepTimesOut()
    {
        aap::SystemClock clock;
        FakeArc arc;
        arc.injectFault(Fault::of(Fault::Kind::Hang));
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient::Options options;
        options.requestTimeout = 300ms;
        TokenHttpClient http(clock, options);
        ArcProvider provider(http, clock, optionsFor(arc));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Timeout);
        QCOMPARE(arc.challengeCount(), 1);
    }

    void realmParsing_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("realm"); // "" = rejected
        QTest::newRow("plain") << QByteArrayLiteral("Basic realm=/var/opt/azcmagent/tokens/a.key")
                               << QStringLiteral("/var/opt/azcmagent/tokens/a.key");
        QTest::newRow("quoted") << QByteArrayLiteral("Basic realm=\"/var/opt/azcmagent/tokens/a.key\"")
                                << QStringLiteral("/var/opt/azcmagent/tokens/a.key");
        QTest::newRow("scheme case") << QByteArrayLiteral("basic realm=/t/a.key")
                                     << QStringLiteral("/t/a.key");
        QTest::newRow("windows")
            << QByteArrayLiteral("Basic realm=C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens\\a.key")
            << QStringLiteral("C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens\\a.key");
        QTest::newRow("bearer") << QByteArrayLiteral("Bearer realm=/t/a.key") << QString();
        QTest::newRow("no realm") << QByteArrayLiteral("Basic") << QString();
        QTest::newRow("empty realm") << QByteArrayLiteral("Basic realm=") << QString();
        QTest::newRow("other parameter") << QByteArrayLiteral("Basic charset=UTF-8") << QString();
    }

    void realmParsing()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, realm);
        const auto parsed = ArcProvider::realmFromChallenge(header);
        QCOMPARE(parsed.value_or(QString()), realm);
    }

    void platformDirectory()
    {
#ifdef Q_OS_WIN
        QCOMPARE(ArcProvider::platformTokenDirectory(QStringLiteral("D:\\PD")),
                 QStringLiteral("D:/PD/AzureConnectedMachineAgent/Tokens"));
#else
        QCOMPARE(ArcProvider::platformTokenDirectory(QStringLiteral("ignored")),
                 QStringLiteral("/var/opt/azcmagent/tokens"));
#endif
    }
};

QTEST_GUILESS_MAIN(tst_ArcProvider)
#include "tst_ArcProvider.moc"
