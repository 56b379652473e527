#include "auth/RefreshScheduler.h"
#include "auth/TokenReader.h"
#include "auth/TokenStore.h"
#include "support/FakeClock.h"
#include "support/LogCapture.h"
#include "support/ScriptedTokenProvider.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <memory>
#include <random>

using namespace std::chrono_literals;
using aap::auth::RefreshScheduler;
using aap::auth::TokenError;
using aap::auth::TokenReader;
using aap::auth::TokenStore;
using aap::test::FakeClock;
using aap::test::LogCapture;
using aap::test::ScriptedTokenProvider;
using State = aap::status::TokenStatus::State;
using Duration = std::chrono::milliseconds;
using TimePoint = aap::Clock::TimePoint;

Q_DECLARE_METATYPE(std::chrono::milliseconds)

namespace {

const QString kAudience = QStringLiteral("https://monitor.azure.com");

QDateTime toDateTime(TimePoint time)
{
    return QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<Duration>(time.time_since_epoch()).count(), Qt::UTC);
}

qint64 msBetween(TimePoint from, TimePoint to)
{
    return std::chrono::duration_cast<Duration>(to - from).count();
}

// Silences aap.auth warnings during long simulations that fail on purpose hundreds of times.
class QuietAuthWarnings {
public:
    QuietAuthWarnings() { QLoggingCategory::setFilterRules(QStringLiteral("aap.auth.warning=false")); }
    ~QuietAuthWarnings() { QLoggingCategory::setFilterRules(QString()); }
    QuietAuthWarnings(const QuietAuthWarnings &) = delete;
    QuietAuthWarnings &operator=(const QuietAuthWarnings &) = delete;
};

struct Fixture {
    explicit Fixture(int percent = 10)
    {
        RefreshScheduler::Settings settings;
        settings.resource = kAudience;
        settings.identityName = QStringLiteral("default");
        settings.identityKind = QStringLiteral("systemassigned");
        settings.routes = QStringList{QStringLiteral("ingest")};
        settings.refreshPercent = percent;
        settings.random = [this] { return random ? random() : 0.0; };
        scheduler = std::make_unique<RefreshScheduler>(clock, provider, store, settings);
    }

    [[nodiscard]] bool holds(const QByteArray &token) const
    {
        const auto snapshot = store.snapshot();
        return snapshot && snapshot->authorization == QByteArrayLiteral("Bearer ") + token;
    }
    [[nodiscard]] aap::status::TokenStatus status() const { return store.status(); }
    void alwaysFail(const TokenError &error, Duration latency = 0ms)
    {
        provider.setResponder(
            [error](const QString &) { return ScriptedTokenProvider::Result(aap::Unexpected(error)); },
            latency);
    }
    // Answers every fetch with token-<n>, living lifetime.
    void alwaysSucceed(Duration lifetime)
    {
        provider.setResponder([this, lifetime](const QString &) {
            return ScriptedTokenProvider::Result(ScriptedTokenProvider::token(
                clock, QByteArrayLiteral("token-") + QByteArray::number(provider.fetchCount()), lifetime));
        });
    }

    FakeClock clock;
    ScriptedTokenProvider provider{clock};
    TokenStore store;
    std::function<double()> random;
    std::unique_ptr<RefreshScheduler> scheduler;
};

TokenError serverError()
{
    return ScriptedTokenProvider::httpError(500, QStringLiteral("unknown"));
}

} // namespace

class tst_RefreshScheduler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void firstToken()
    {
        Fixture f;
        QSignalSpy changed(&f.store, &TokenStore::changed);
        QCOMPARE(f.status().state, State::Stopped);
        QCOMPARE(f.status().source, QStringLiteral("scripted (test)"));
        QCOMPARE(f.status().identityKind, QStringLiteral("systemassigned"));
        QCOMPARE(f.status().routes, QStringList{QStringLiteral("ingest")});

        f.scheduler->start();
        QCOMPARE(f.provider.fetchCount(), 1);
        QCOMPARE(f.provider.lastResource(), kAudience);
        QCOMPARE(f.status().state, State::Acquiring);
        QCOMPARE(f.status().readinessReason(),
                 QStringLiteral("no token yet: acquiring from scripted (test)"));
        QVERIFY(!f.store.snapshot());

        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 1h);
        QVERIFY(f.holds("tok-1"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(msBetween(t0, f.store.snapshot()->usableUntil), Duration{57min}.count());

        const auto status = f.status();
        QCOMPARE(status.state, State::Valid);
        QVERIFY(status.readinessReason().isEmpty());
        QCOMPARE(status.obtainedAt, toDateTime(t0));
        QCOMPARE(status.expiresOn, toDateTime(t0 + 1h));
        QCOMPARE(status.usableUntil, toDateTime(t0 + 57min));
        QCOMPARE(status.nextAttempt, toDateTime(t0 + 3240s));
        QCOMPARE(status.totalSuccesses, 1);
        QCOMPARE(status.consecutiveFailures, 0);

        TokenReader reader(f.store);
        QVERIFY(reader.current(f.clock.now()) != nullptr);
    }

    void refreshAtPercent_data()
    {
        QTest::addColumn<int>("percent");
        QTest::addColumn<Duration>("lifetime");
        QTest::addColumn<Duration>("refreshAfter");
        QTest::newRow("10 %, 1 h") << 10 << Duration{1h} << Duration{3240s};
        QTest::newRow("50 %, 1 h") << 50 << Duration{1h} << Duration{1800s};
        QTest::newRow("25 %, 24 h") << 25 << Duration{24h} << Duration{64800s};
        QTest::newRow("10 %, 60 s") << 10 << Duration{60s} << Duration{54s};
    }

    void refreshAtPercent()
    {
        QFETCH(int, percent);
        QFETCH(Duration, lifetime);
        QFETCH(Duration, refreshAfter);
        Fixture f(percent);
        f.scheduler->start();
        f.provider.succeed("tok-1", lifetime);
        const auto generation = f.store.generation();

        f.clock.advance(refreshAfter - 1ms);
        QCOMPARE(f.provider.fetchCount(), 1);
        f.clock.advance(1ms);
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().state, State::Refreshing);
        // The old token keeps serving while the refresh is under way.
        QVERIFY(f.holds("tok-1"));
        QCOMPARE(f.store.generation(), generation);

        f.provider.succeed("tok-2", lifetime);
        QVERIFY(f.holds("tok-2"));
        QCOMPARE(f.store.generation(), generation + 1);
        QCOMPARE(f.status().state, State::Valid);
        QCOMPARE(f.status().totalSuccesses, 2);
    }

    void refreshInHintMovesRefreshEarlier()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.succeed("tok-1", 1h, Duration{20min});
        f.clock.advance(20min - 1ms);
        QCOMPARE(f.provider.fetchCount(), 1);
        f.clock.advance(1ms);
        QCOMPARE(f.provider.fetchCount(), 2);
    }

    void percentOutOfRangeFallsBackToDefault_data()
    {
        QTest::addColumn<int>("percent");
        QTest::newRow("0") << 0;
        QTest::newRow("100") << 100;
    }

    void percentOutOfRangeFallsBackToDefault()
    {
        QFETCH(int, percent);
        Fixture f(percent);
        QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(
                QStringLiteral("^refresh percent out of range .* configured=%1 used=10$").arg(percent)));
        f.scheduler->start();
        f.provider.succeed("tok-1", 1h);
        QCOMPARE(f.status().nextAttempt, toDateTime(f.clock.now() + 3240s));
    }

    void serverErrorThenSuccess()
    {
        Fixture f;
        f.scheduler->start();
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(QStringLiteral(
                              "^token refresh failed identity=default audience=https://monitor.azure.com "
                              "error=\"http 500 unknown: scripted failure\" retryable=yes retry_after=none "
                              "attempt=1 next_retry_in=0.0s token_valid_for=none$")));
        f.provider.fail(serverError());
        QVERIFY(!f.store.snapshot());
        auto status = f.status();
        QCOMPARE(status.state, State::Failing);
        QCOMPARE(status.consecutiveFailures, 1);
        QCOMPARE(status.totalFailures, 1);
        QVERIFY(status.lastError.has_value());
        QCOMPARE(status.lastError->kind, QStringLiteral("http"));
        QCOMPARE(status.lastError->httpStatus, 500);
        QCOMPARE(status.lastError->code, QStringLiteral("unknown"));
        QCOMPARE(status.lastError->at, toDateTime(f.clock.now()));
        QCOMPARE(status.readinessReason(),
                 QStringLiteral("no token yet from scripted (test): http 500 unknown: scripted failure"));

        f.clock.advance(0ms);
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().state, State::Failing);
        f.provider.succeed("tok-1", 1h);
        QVERIFY(f.holds("tok-1"));
        status = f.status();
        QCOMPARE(status.state, State::Valid);
        QCOMPARE(status.consecutiveFailures, 0);
        QCOMPARE(status.totalFailures, 1);
        QCOMPARE(status.totalSuccesses, 1);
        QVERIFY(status.lastError.has_value()); // kept for the operator
    }

    void retryAfterHonoured()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.fail(ScriptedTokenProvider::httpError(429, QStringLiteral("too_many_requests"), 7s));
        QCOMPARE(f.status().nextAttempt, toDateTime(f.clock.now() + 7s));
        f.clock.advance(7s - 1ms);
        QCOMPARE(f.provider.fetchCount(), 1);
        f.clock.advance(1ms);
        QCOMPARE(f.provider.fetchCount(), 2);
    }

    void backoffGrowth_data()
    {
        QTest::addColumn<bool>("withToken");
        QTest::addColumn<double>("random");
        QTest::addColumn<QList<qint64>>("delaysMs");
        QTest::newRow("no token: capped at 10 s")
            << false << 0.0 << QList<qint64>{0, 2000, 6000, 10000, 10000, 10000};
        QTest::newRow("no token, jitter") << false << 0.5 << QList<qint64>{0, 1800, 5400, 9000, 9000};
        // Microsoft's IMDS shape: 0, 2, 6, 14, 30, then 60 s.
        QTest::newRow("token held: IMDS shape, capped at 60 s")
            << true << 0.0 << QList<qint64>{0, 2000, 6000, 14000, 30000, 60000, 60000};
    }

    void backoffGrowth()
    {
        QFETCH(bool, withToken);
        QFETCH(double, random);
        QFETCH(QList<qint64>, delaysMs);
        const QuietAuthWarnings quiet;
        Fixture f;
        f.random = [random] { return random; };
        f.scheduler->start();
        if (withToken) {
            f.provider.succeed("tok-1", 24h);
            QVERIFY(f.clock.fireNext()); // the refresh
        }
        QList<qint64> delays;
        for (qsizetype i = 0; i < delaysMs.size(); ++i) {
            QCOMPARE(f.provider.pendingCount(), 1);
            const TimePoint failedAt = f.clock.now();
            f.provider.fail(serverError());
            QVERIFY(f.clock.fireNext());
            delays << msBetween(failedAt, f.clock.now());
        }
        QCOMPARE(delays, delaysMs);
        QCOMPARE(f.status().consecutiveFailures, delaysMs.size());
        QCOMPARE(f.status().state, withToken ? State::Refreshing : State::Failing);
        QCOMPARE(f.holds("tok-1"), withToken);
    }

    void nonRetryableRetriedAtCap()
    {
        Fixture f;
        f.scheduler->start();
        const auto error =
            ScriptedTokenProvider::httpError(400, QStringLiteral("invalid_resource"), std::nullopt, false);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("retryable=no .* next_retry_in=10.0s")));
        f.provider.fail(error);
        QCOMPARE(f.status().nextAttempt, toDateTime(f.clock.now() + 10s));
    }

    // With a 60 s token whose refreshes hit 429 Retry-After: 60 s, the scheduler still tries
    // several times before the token's usable-until, the last within a second of it.
    void retriesBeforeUsableUntil()
    {
        const QuietAuthWarnings quiet;
        Fixture f;
        f.scheduler->start();
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 60s);
        const TimePoint usableUntil = f.store.snapshot()->usableUntil;
        f.alwaysFail(ScriptedTokenProvider::httpError(429, QStringLiteral("too_many_requests"), 60s));
        f.clock.advance(std::chrono::duration_cast<Duration>(usableUntil - t0) - 1ms);
        QVERIFY(f.holds("tok-1"));
        const auto times = f.provider.fetchTimes().mid(1);
        QVERIFY2(times.size() >= 3, qPrintable(QString::number(times.size())));
        for (const TimePoint at : times) {
            QVERIFY(at < usableUntil);
        }
        QVERIFY(msBetween(times.last(), usableUntil) <= 1000);
        for (qsizetype i = 1; i < times.size(); ++i) {
            QVERIFY(msBetween(times[i - 1], times[i]) >= 1000); // never spins near the deadline
        }
    }

    // Ten minutes of constant failures: at most one attempt per second on average, and at least
    // the cadence the caps promise.
    void noSpin_data()
    {
        QTest::addColumn<bool>("withToken");
        QTest::addColumn<bool>("retryable");
        QTest::addColumn<Duration>("latency");
        QTest::addColumn<int>("minAttempts");
        QTest::addColumn<int>("maxAttempts");
        // No token: cap 10 s with up to 20 % jitter -> 60..75 in 10 min, plus the quick first ones.
        QTest::newRow("no token, instant 500") << false << true << Duration{0ms} << 60 << 80;
        QTest::newRow("no token, slow 500") << false << true << Duration{300ms} << 58 << 80;
        QTest::newRow("no token, non-retryable") << false << false << Duration{0ms} << 60 << 76;
        // Token held: cap 60 s -> 10..13 in 10 min, plus the quick first ones.
        QTest::newRow("token held, instant 500") << true << true << Duration{0ms} << 12 << 20;
    }

    void noSpin()
    {
        QFETCH(bool, withToken);
        QFETCH(bool, retryable);
        QFETCH(Duration, latency);
        QFETCH(int, minAttempts);
        QFETCH(int, maxAttempts);
        const QuietAuthWarnings quiet;
        Fixture f;
        std::mt19937 generator(42); // NOLINT(cert-msc32-c,cert-msc51-cpp): reproducible on purpose
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        f.random = [&] { return uniform(generator); };
        f.scheduler->start();
        if (withToken) {
            f.provider.succeed("tok-1", 24h);
            QVERIFY(f.clock.fireNext()); // the refresh
        }
        const int before = f.provider.fetchCount();
        auto error = serverError();
        error.retryable = retryable;
        f.alwaysFail(error, latency);
        f.provider.fail(error); // the pending one
        f.clock.advance(10min);
        const int attempts = f.provider.fetchCount() - before;
        QVERIFY2(attempts >= minAttempts && attempts <= maxAttempts, qPrintable(QString::number(attempts)));
        QVERIFY(attempts <= 600);
        QCOMPARE(f.holds("tok-1"), withToken);
    }

    void recoveryNoticedWithin15s_data()
    {
        QTest::addColumn<Duration>("recoversAfter");
        QTest::newRow("37 s") << Duration{37s};
        QTest::newRow("5 min 3.3 s") << Duration{303300ms};
        QTest::newRow("59 min 59.9 s") << Duration{3599900ms};
    }

    void recoveryNoticedWithin15s()
    {
        QFETCH(Duration, recoversAfter);
        const QuietAuthWarnings quiet;
        Fixture f;
        std::mt19937 generator(7); // NOLINT(cert-msc32-c,cert-msc51-cpp): reproducible on purpose
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        f.random = [&] { return uniform(generator); };
        f.alwaysFail(ScriptedTokenProvider::httpError(503, QStringLiteral("unavailable")));
        f.scheduler->start();
        f.clock.advance(recoversAfter);
        const TimePoint recovered = f.clock.now();
        f.alwaysSucceed(1h);
        f.clock.advance(15s);
        QVERIFY(f.store.snapshot());
        QCOMPARE(f.status().state, State::Valid);
        QVERIFY(msBetween(recovered, f.provider.fetchTimes().last()) <= 10'000);
    }

    void expiryClearsStore()
    {
        const QuietAuthWarnings quiet;
        Fixture f;
        QSignalSpy changed(&f.store, &TokenStore::changed);
        f.scheduler->start();
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 60s);
        f.alwaysFail(serverError());
        TokenReader reader(f.store);

        f.clock.advance(57s - 1ms);
        QVERIFY(reader.current(f.clock.now()) != nullptr);
        QCOMPARE(changed.count(), 1);
        f.clock.advance(1ms);
        QVERIFY(!f.store.snapshot());
        QVERIFY(reader.current(f.clock.now()) == nullptr);
        QCOMPARE(changed.count(), 2);
        const auto status = f.status();
        QCOMPARE(status.state, State::Expired);
        QCOMPARE(status.expiries, 1);
        QVERIFY(status.readinessReason().startsWith(
            QStringLiteral("token expired, refresh failing from scripted (test): http 500")));
        QCOMPARE(msBetween(t0, f.clock.now()), 57'000);

        // Without a token, retries come at least every 10 s; a recovered source is noticed.
        const int before = f.provider.fetchCount();
        f.clock.advance(60s);
        QVERIFY(f.provider.fetchCount() - before >= 6);
        f.alwaysSucceed(1h);
        f.clock.advance(10s);
        QVERIFY(f.store.snapshot());
        QCOMPARE(f.status().state, State::Valid);
        QCOMPARE(changed.count(), 3);
    }

    void expiryIsLoggedAtWarning()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.succeed("tok-1", 60s);
        f.clock.advance(54s);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^token refresh failed")));
        f.provider.fail(ScriptedTokenProvider::httpError(429, QStringLiteral("throttled"), 300s));
        // Retry-After 300 s is clamped to halfway to usable-until (3 s away): the retry comes first.
        QCOMPARE(f.status().nextAttempt, toDateTime(f.clock.now() + 1500ms));
        f.provider.setResponder([](const QString &) {
            return ScriptedTokenProvider::Result(
                aap::Unexpected(ScriptedTokenProvider::httpError(429, QStringLiteral("throttled"), 300s)));
        });
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^token refresh failed")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^token refresh failed")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                               "^token expired without replacement identity=default "
                                               "audience=https://monitor.azure.com consecutive_failures=3 "
                                               "last_error=\"http 429 throttled: scripted failure\"$")));
        f.clock.advance(3s);
        QCOMPARE(f.status().state, State::Expired);
    }

    void earlyRefreshOn401RateLimited()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.succeed("tok-1", 1h);
        f.clock.advance(10min);

        QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("^target rejected the token \\(401\\): early refresh requested "
                                              "identity=default audience=https://monitor.azure.com")));
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().state, State::Refreshing);
        QCOMPARE(f.status().earlyRefreshes, 1);
        const TimePoint refreshedAt = f.clock.now();
        f.provider.succeed("tok-2", 1h);
        QVERIFY(f.holds("tok-2"));
        QCOMPARE(f.status().nextAttempt, toDateTime(refreshedAt + 3240s));

        // Within 30 s: ignored, counted, logged once.
        f.clock.advance(10s);
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(
                              QStringLiteral("^early token refresh rate-limited .* next_allowed_in=20.0s$")));
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();
        f.clock.advance(5s);
        f.store.reportUnauthorized(); // no second log line in the same window
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().unauthorizedReports, 3);
        QCOMPARE(f.status().earlyRefreshes, 1);

        f.clock.advance(15s);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^target rejected the token")));
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 3);
        QCOMPARE(f.status().earlyRefreshes, 2);
        QCOMPARE(f.status().unauthorizedReports, 4);
    }

    void failedEarlyRefreshKeepsTokenAndSchedule()
    {
        Fixture f;
        f.scheduler->start();
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 1h);
        f.clock.advance(10min);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^target rejected the token")));
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 2);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("^early token refresh failed .*attempt=1")));
        f.provider.fail(serverError());
        QVERIFY(f.holds("tok-1"));
        const auto status = f.status();
        QCOMPARE(status.state, State::Valid);
        QCOMPARE(status.consecutiveFailures, 1);
        QCOMPARE(status.nextAttempt, toDateTime(t0 + 3240s));
        f.clock.advance(3240s - 10min - 1ms);
        QCOMPARE(f.provider.fetchCount(), 2);
        f.clock.advance(1ms);
        QCOMPARE(f.provider.fetchCount(), 3);
    }

    void burstOf401sIsCoalesced()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.succeed("tok-1", 1h);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^target rejected the token")));
        for (int i = 0; i < 100; ++i) {
            f.store.reportUnauthorized();
        }
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().unauthorizedReports, 100);
        // While that refresh is under way, another 401 changes nothing.
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();
        QCOMPARE(f.provider.fetchCount(), 2);
        QCOMPARE(f.status().unauthorizedReports, 101);
        QCOMPARE(f.status().earlyRefreshes, 1);
    }

    void sixtySecondTokenServesAtLeast45s()
    {
        const QuietAuthWarnings quiet;
        Fixture f;
        f.scheduler->start();
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 60s);
        f.alwaysFail(serverError());
        TokenReader reader(f.store);
        f.clock.advance(45s);
        const auto *snapshot = reader.current(f.clock.now());
        QVERIFY(snapshot != nullptr);
        QVERIFY(snapshot->authorization == QByteArrayLiteral("Bearer tok-1"));
        QVERIFY(msBetween(t0, snapshot->usableUntil) >= 45'000);
    }

    // 3 s tokens (as test token services hand out) keep the store supplied without a gap.
    void threeSecondTokensWork()
    {
        Fixture f;
        f.alwaysSucceed(3s);
        f.scheduler->start();
        TokenReader reader(f.store);
        for (int step = 0; step < 300; ++step) {
            QVERIFY(reader.current(f.clock.now()) != nullptr);
            f.clock.advance(100ms);
        }
        // A refresh every 1.8 s over 30 s.
        QVERIFY2(f.provider.fetchCount() >= 16 && f.provider.fetchCount() <= 18,
                 qPrintable(QString::number(f.provider.fetchCount())));
        QCOMPARE(f.status().expiries, 0);
    }

    void unusableAnswerIsAFailure_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<Duration>("lifetime");
        QTest::addColumn<QString>("code");
        QTest::newRow("expired") << QByteArray("tok-1") << Duration{-1s} << QStringLiteral("expired_token");
        QTest::newRow("expires now") << QByteArray("tok-1") << Duration{0s}
                                     << QStringLiteral("expired_token");
        QTest::newRow("empty") << QByteArray() << Duration{1h} << QStringLiteral("empty_token");
    }

    void unusableAnswerIsAFailure()
    {
        QFETCH(QByteArray, value);
        QFETCH(Duration, lifetime);
        QFETCH(QString, code);
        Fixture f;
        f.scheduler->start();
        QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("^token refresh failed .*error=\"malformed ") + code));
        f.provider.succeed(value, lifetime);
        QVERIFY(!f.store.snapshot());
        QCOMPARE(f.status().state, State::Failing);
        QCOMPARE(f.status().lastError->kind, QStringLiteral("malformed"));
        QCOMPARE(f.status().lastError->code, code);
    }

    // A token claiming 60 days (a parsing bug upstream, say) is refreshed on time: the timer is
    // re-armed in hops of a day rather than overflowing QTimer's int milliseconds.
    void absurdLifetimeIsHandledInHops()
    {
        Fixture f;
        f.scheduler->start();
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", std::chrono::hours{24 * 60});
        const TimePoint refreshAt = t0 + Duration{std::chrono::hours{24 * 60}} * 9 / 10;
        QCOMPARE(f.status().nextAttempt, toDateTime(refreshAt));
        QVERIFY(f.clock.nextDue() <= t0 + 24h);
        f.clock.advance(std::chrono::duration_cast<Duration>(refreshAt - t0) - 1ms);
        QCOMPARE(f.provider.fetchCount(), 1);
        QVERIFY(f.holds("tok-1"));
        f.clock.advance(1ms);
        QCOMPARE(f.provider.fetchCount(), 2);
    }

    void refreshNow()
    {
        Fixture f;
        f.scheduler->start();
        f.scheduler->refreshNow(); // a fetch is under way: nothing more
        QCOMPARE(f.provider.fetchCount(), 1);
        const TimePoint t0 = f.clock.now();
        f.provider.succeed("tok-1", 1h);
        f.clock.advance(1min);
        QTest::ignoreMessage(
            QtInfoMsg, QRegularExpression(QStringLiteral("^token refresh requested .* token_held=yes$")));
        f.scheduler->refreshNow();
        QCOMPARE(f.provider.fetchCount(), 2);
        f.provider.fail(serverError());
        QVERIFY(f.holds("tok-1"));
        QCOMPARE(f.status().state, State::Valid);
        QCOMPARE(f.status().nextAttempt, toDateTime(t0 + 3240s));
        f.scheduler->refreshNow(); // not rate-limited
        QCOMPARE(f.provider.fetchCount(), 3);
        f.provider.succeed("tok-2", 1h);
        QVERIFY(f.holds("tok-2"));
    }

    void stopIgnoresLateAnswer()
    {
        Fixture f;
        f.scheduler->start();
        f.scheduler->stop();
        QCOMPARE(f.status().state, State::Stopped);
        f.provider.succeed("tok-1", 1h);
        QVERIFY(!f.store.snapshot());
        QCOMPARE(f.clock.pendingTimers(), std::size_t{0});

        f.scheduler->start();
        QCOMPARE(f.provider.fetchCount(), 2);
        f.provider.succeed("tok-2", 1h);
        QVERIFY(f.holds("tok-2"));
    }

    void stopKeepsTokenUntilUsableUntil()
    {
        Fixture f;
        f.scheduler->start();
        f.provider.succeed("tok-1", 60s);
        f.scheduler->stop();
        QVERIFY(f.holds("tok-1")); // draining requests still need it
        f.clock.advance(60s);
        QVERIFY(!f.store.snapshot());
        QCOMPARE(f.status().state, State::Stopped);
        QCOMPARE(f.provider.fetchCount(), 1);
    }

    void destroyedSchedulerIgnoresAnswer()
    {
        Fixture f;
        f.scheduler->start();
        f.scheduler.reset();
        f.provider.succeed("tok-1", 1h);
        QVERIFY(!f.store.snapshot());
        QCOMPARE(f.clock.pendingTimers(), std::size_t{0});
    }

    // Neither the status (and its JSON) nor any log line carries the token.
    void tokenNeverInStatusOrLogs()
    {
        const QByteArray secret =
            QByteArrayLiteral("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig");
        const LogCapture capture;
        Fixture f;
        f.scheduler->start();
        f.provider.succeed(secret, 60s);
        f.clock.advance(54s);
        f.provider.fail(serverError());
        f.store.reportUnauthorized();
        QCoreApplication::processEvents();

        const QByteArray json = QJsonDocument(f.status().toJson()).toJson(QJsonDocument::Compact);
        QVERIFY(!json.contains(secret));
        QVERIFY(!json.contains("Bearer"));
        QVERIFY(!LogCapture::lines().isEmpty());
        for (const QString &line : LogCapture::lines()) {
            QVERIFY(!line.toUtf8().contains(secret));
        }
        QVERIFY(LogCapture::lines().first().startsWith(QStringLiteral("token refresh started")));
    }
};

QTEST_GUILESS_MAIN(tst_RefreshScheduler)
#include "tst_RefreshScheduler.moc"
