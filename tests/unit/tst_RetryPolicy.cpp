#include "auth/RetryPolicy.h"

#include <QTest>

#include <chrono>
#include <optional>

using namespace std::chrono_literals;
using aap::auth::RetryPolicy;
using Duration = std::chrono::milliseconds;

Q_DECLARE_METATYPE(std::chrono::milliseconds)
Q_DECLARE_METATYPE(std::optional<std::chrono::milliseconds>)
Q_DECLARE_METATYPE(std::optional<std::chrono::seconds>)

class tst_RetryPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Microsoft's IMDS guidance: retry after about 0, 2, 6, 14, 30 s, at most 60 s. Without jitter
    // (random = 0) and with a token held (cap 60 s) the policy produces exactly that.
    void imdsShape()
    {
        const RetryPolicy policy;
        const QList<int> expectedSeconds{0, 2, 6, 14, 30, 60, 60, 60};
        for (int n = 1; n <= expectedSeconds.size(); ++n) {
            const RetryPolicy::Failure failure{n, true, std::nullopt, Duration{24h}};
            QCOMPARE(policy.nextDelay(failure, 0.0).count(),
                     Duration{std::chrono::seconds{expectedSeconds[n - 1]}}.count());
        }
    }

    void delay_data()
    {
        QTest::addColumn<int>("failures");
        QTest::addColumn<bool>("retryable");
        QTest::addColumn<std::optional<std::chrono::seconds>>("retryAfter");
        QTest::addColumn<std::optional<Duration>>("usableLeft");
        QTest::addColumn<double>("random");
        QTest::addColumn<Duration>("expected");

        const std::optional<std::chrono::seconds> noRetryAfter;
        const std::optional<Duration> noToken;
        const std::optional<Duration> longToken{24h};

        QTest::newRow("no token: 1st") << 1 << true << noRetryAfter << noToken << 0.0 << Duration{0s};
        QTest::newRow("no token: 2nd") << 2 << true << noRetryAfter << noToken << 0.0 << Duration{2s};
        QTest::newRow("no token: 3rd") << 3 << true << noRetryAfter << noToken << 0.0 << Duration{6s};
        QTest::newRow("no token: capped at 10 s")
            << 4 << true << noRetryAfter << noToken << 0.0 << Duration{10s};
        QTest::newRow("no token: 1000th") << 1000 << true << noRetryAfter << noToken << 0.0 << Duration{10s};
        QTest::newRow("token: capped at 60 s")
            << 6 << true << noRetryAfter << longToken << 0.0 << Duration{60s};
        QTest::newRow("token: 1000th") << 1000 << true << noRetryAfter << longToken << 0.0 << Duration{60s};
        // Jitter takes up to 20 % off, never adds.
        QTest::newRow("jitter half") << 3 << true << noRetryAfter << noToken << 0.5 << Duration{5400ms};
        QTest::newRow("jitter max at cap") << 9 << true << noRetryAfter << noToken << 1.0 << Duration{8s};
        QTest::newRow("jitter max, token cap")
            << 9 << true << noRetryAfter << longToken << 1.0 << Duration{48s};
        // Non-retryable errors are retried at the cap.
        QTest::newRow("non-retryable, no token")
            << 1 << false << noRetryAfter << noToken << 0.0 << Duration{10s};
        QTest::newRow("non-retryable, token")
            << 1 << false << noRetryAfter << longToken << 0.0 << Duration{60s};
        // Retry-After wins over a shorter back-off, up to the cap of the moment.
        QTest::newRow("Retry-After 7 s")
            << 1 << true << std::optional<std::chrono::seconds>{7s} << noToken << 0.0 << Duration{7s};
        QTest::newRow("Retry-After below back-off")
            << 5 << true << std::optional<std::chrono::seconds>{1s} << longToken << 0.0 << Duration{30s};
        QTest::newRow("Retry-After over the no-token cap")
            << 1 << true << std::optional<std::chrono::seconds>{45s} << noToken << 0.0 << Duration{10s};
        QTest::newRow("Retry-After 45 s with a token")
            << 1 << true << std::optional<std::chrono::seconds>{45s} << longToken << 0.0 << Duration{45s};
        QTest::newRow("Retry-After over the token cap")
            << 1 << true << std::optional<std::chrono::seconds>{120s} << longToken << 0.0 << Duration{60s};
        QTest::newRow("Retry-After absurd")
            << 1 << true << std::optional<std::chrono::seconds>{86400s} << noToken << 0.0 << Duration{10s};
        // With a token: never later than halfway to usable-until, never sooner than 1 s.
        QTest::newRow("token ends in 30 s")
            << 6 << true << noRetryAfter << std::optional<Duration>{30s} << 0.0 << Duration{15s};
        QTest::newRow("token ends in 30 s, Retry-After 60 s")
            << 1 << true << std::optional<std::chrono::seconds>{60s} << std::optional<Duration>{30s} << 0.0
            << Duration{15s};
        QTest::newRow("token ends in 1.5 s")
            << 6 << true << noRetryAfter << std::optional<Duration>{1500ms} << 0.0 << Duration{1s};
        QTest::newRow("token ends in 1.5 s, 1st")
            << 1 << true << noRetryAfter << std::optional<Duration>{1500ms} << 0.0 << Duration{0s};
    }

    void delay()
    {
        QFETCH(int, failures);
        QFETCH(bool, retryable);
        QFETCH(std::optional<std::chrono::seconds>, retryAfter);
        QFETCH(std::optional<Duration>, usableLeft);
        QFETCH(double, random);
        QFETCH(Duration, expected);

        const RetryPolicy policy;
        const RetryPolicy::Failure failure{failures, retryable, retryAfter, usableLeft};
        QCOMPARE(policy.nextDelay(failure, random).count(), expected.count());
    }

    void backoffSaturates()
    {
        QCOMPARE(RetryPolicy::backoff(0).count(), 0);
        QCOMPARE(RetryPolicy::backoff(1).count(), 0);
        QCOMPARE(RetryPolicy::backoff(5).count(), Duration{30s}.count());
        QCOMPARE(RetryPolicy::backoff(1'000'000), RetryPolicy::backoff(20));
    }

    // Custom settings are honoured (the scheduler passes them through).
    void customCaps()
    {
        RetryPolicy::Settings settings;
        settings.capWithoutToken = 3s;
        settings.jitterPercent = 0;
        const RetryPolicy policy(settings);
        QCOMPARE(policy.nextDelay({10, true, std::nullopt, std::nullopt}, 0.9).count(), Duration{3s}.count());
    }
};

QTEST_GUILESS_MAIN(tst_RetryPolicy)
#include "tst_RetryPolicy.moc"
