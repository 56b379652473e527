// Trace and span ids: valid (never all zero), distinct, and different between generators.
#include "telemetry/IdGenerator.h"

#include <QSet>
#include <QTest>

using aap::telemetry::IdGenerator;
using aap::telemetry::SpanId;
using aap::telemetry::TraceContext;
using aap::telemetry::TraceId;

class tst_IdGenerator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void idsAreValidAndDistinct()
    {
        IdGenerator ids;
        QSet<QByteArray> seen;
        constexpr int kDraws = 50'000;
        for (int i = 0; i < kDraws; ++i) {
            TraceId trace{};
            SpanId span{};
            ids.fill(trace);
            ids.fill(span);
            QVERIFY(!TraceContext::isZero(trace.data(), trace.size()));
            QVERIFY(!TraceContext::isZero(span.data(), span.size()));
            seen.insert(TraceContext::hex(trace.data(), trace.size()));
            seen.insert(TraceContext::hex(span.data(), span.size()));
        }
        QCOMPARE(seen.size(), 2 * kDraws);
    }

    // Each byte value turns up about equally often in every position: no constant or stuck bits.
    void bytesAreSpreadOverEveryValue()
    {
        IdGenerator ids;
        constexpr int kDraws = 25'600;
        std::array<std::array<int, 256>, 8> counts{};
        for (int i = 0; i < kDraws; ++i) {
            SpanId span{};
            ids.fill(span);
            for (std::size_t at = 0; at < span.size(); ++at)
                ++counts[at][span[at]];
        }
        for (const auto &position : counts) {
            const auto [least, most] = std::minmax_element(position.begin(), position.end());
            // 100 expected per value; a fair source stays well inside this band.
            QVERIFY2(*least > 40 && *most < 170, qPrintable(QStringLiteral("%1..%2").arg(*least).arg(*most)));
        }
    }

    void generatorsDiffer()
    {
        IdGenerator a;
        IdGenerator b;
        TraceId first{};
        TraceId second{};
        a.fill(first);
        b.fill(second);
        QVERIFY(first != second);
    }
};

QTEST_GUILESS_MAIN(tst_IdGenerator)
#include "tst_IdGenerator.moc"
