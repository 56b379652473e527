#include "app/StatusLine.h"

#include <QTest>

using namespace Qt::StringLiterals;
using aap::app::StatusLine;
using aap::status::TokenErrorInfo;
using aap::status::TokenStatus;
using State = TokenStatus::State;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);

TokenStatus token(State state, int usableMinutes = 0)
{
    TokenStatus status;
    status.identityName = u"default"_s;
    status.source = u"imds (system-assigned)"_s;
    status.state = state;
    if (usableMinutes > 0) {
        status.usableUntil = kNow.addSecs(qint64{usableMinutes} * 60 + 30);
        status.expiresOn = status.usableUntil.addSecs(300);
    }
    return status;
}

TokenErrorInfo unreachable()
{
    TokenErrorInfo error;
    error.kind = u"transport"_s;
    error.description = u"connection refused"_s;
    return error;
}

} // namespace

class tst_StatusLine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void describe_data()
    {
        QTest::addColumn<int>("routes");
        QTest::addColumn<QList<TokenStatus>>("tokens");
        QTest::addColumn<QString>("expected");

        QTest::newRow("one route, valid") << 1 << QList{token(State::Valid, 52)}
                                          << u"ready: 1 route on 127.0.0.1:8081, token valid 52 min"_s;
        QTest::newRow("shortest of two, refreshing counts as held")
            << 2 << QList{token(State::Valid, 52), token(State::Refreshing, 7)}
            << u"ready: 2 routes on 127.0.0.1:8081, token valid 7 min"_s;
        QTest::newRow("first token under way")
            << 1 << QList{token(State::Acquiring)}
            << u"waiting for the first token from imds (system-assigned)"_s;
        TokenStatus failing = token(State::Failing);
        failing.lastError = unreachable();
        QTest::newRow("first token failing")
            << 1 << QList{token(State::Valid, 30), failing}
            << u"waiting for the first token: imds (system-assigned): "_s + unreachable().summary();
        TokenStatus expired = token(State::Expired);
        expired.lastError = unreachable();
        QTest::newRow("expired") << 1 << QList{expired}
                                 << u"token expired, refresh failing: imds (system-assigned): "_s +
                                        unreachable().summary();
        QTest::newRow("stopped") << 1 << QList{token(State::Stopped)} << u"token refresh stopped"_s;
        QTest::newRow("no expiry known")
            << 1 << QList{token(State::Valid)} << u"ready: 1 route on 127.0.0.1:8081"_s;
        TokenStatus late = token(State::Refreshing);
        late.usableUntil = kNow.addSecs(-10);
        QTest::newRow("past its usable time")
            << 1 << QList{late} << u"ready: 1 route on 127.0.0.1:8081, token valid 0 min"_s;
    }

    void describe()
    {
        QFETCH(int, routes);
        QFETCH(QList<TokenStatus>, tokens);
        QFETCH(QString, expected);
        QCOMPARE(StatusLine::describe(routes, u"127.0.0.1:8081"_s, tokens, kNow), expected);
    }
};

QTEST_GUILESS_MAIN(tst_StatusLine)
#include "tst_StatusLine.moc"
