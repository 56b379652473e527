#include "auth/TokenStore.h"
#include "health/ReadinessProbe.h"
#include "support/FakeClock.h"

#include <QTest>

using namespace std::chrono_literals;

class tst_ProxyReadinessProbe : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readyOnlyWithListenerAndEveryToken()
    {
        aap::test::FakeClock clock;
        aap::auth::TokenStore first;
        aap::auth::TokenStore second;
        aap::health::ReadinessProbe probe(clock, {{"default", &first}, {"query", &second}});
        QCOMPARE(probe.notReadyReason(), QByteArray("listener not started"));
        probe.setListening(true);
        QCOMPARE(probe.notReadyReason(), QByteArray("no token yet for route default"));
        first.publish({QByteArrayLiteral("Bearer a"), clock.now() + 1h});
        QCOMPARE(probe.notReadyReason(), QByteArray("no token yet for route query"));
        second.publish({QByteArrayLiteral("Bearer b"), clock.now() + 2h});
        QVERIFY(probe.notReadyReason().isEmpty());
        QVERIFY(probe.answer().ready);
        QCOMPARE(probe.answer().body, QByteArray("{\"status\":\"ready\"}"));
        clock.advance(1h);
        QCOMPARE(probe.notReadyReason(), QByteArray("token expired for route default"));
        const auto answer = probe.answer();
        QVERIFY(!answer.ready);
        QCOMPARE(answer.body,
                 QByteArray("{\"reason\":\"token expired for route default\",\"status\":\"not_ready\"}"));
        probe.setDraining(true);
        QCOMPARE(probe.notReadyReason(), QByteArray("shutting down"));
    }
};

QTEST_GUILESS_MAIN(tst_ProxyReadinessProbe)
#include "tst_ProxyReadinessProbe.moc"
