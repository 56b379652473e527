#include "inbound/ExposureWarning.h"
#include "support/FakeClock.h"

#include <QTest>

using namespace std::chrono_literals;
using aap::inbound::ExposureWarning;
using aap::test::FakeClock;

class tst_ExposureWarning : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void logsAtStartAndEveryHour()
    {
        FakeClock clock;
        const QRegularExpression line(QStringLiteral("UNPROTECTED LISTENER.*listening on \\*"));
        ExposureWarning warning(clock, QStringLiteral("listening on * without inbound protection"));
        QTest::ignoreMessage(QtWarningMsg, line);
        warning.start();
        QCOMPARE(warning.timesLogged(), 1);
        clock.advance(59min);
        QCOMPARE(warning.timesLogged(), 1);
        QTest::ignoreMessage(QtWarningMsg, line);
        clock.advance(1min);
        QCOMPARE(warning.timesLogged(), 2);
        QTest::ignoreMessage(QtWarningMsg, line);
        QTest::ignoreMessage(QtWarningMsg, line);
        clock.advance(2h);
        QCOMPARE(warning.timesLogged(), 4);
    }

    void stopsWithItsOwner()
    {
        FakeClock clock;
        {
            ExposureWarning warning(clock, QStringLiteral("exposed"));
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("UNPROTECTED LISTENER")));
            warning.start();
        }
        // No timer of the destroyed warning fires (a message here would fail the test).
        clock.advance(3h);
    }
};

QTEST_GUILESS_MAIN(tst_ExposureWarning)
#include "tst_ExposureWarning.moc"
