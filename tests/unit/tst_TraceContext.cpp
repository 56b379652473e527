// W3C Trace Context (https://www.w3.org/TR/trace-context/): traceparent parsing and formatting, and
// how a tracestate is shortened to fit the exported span.
#include "telemetry/TraceContext.h"

#include <QTest>

using aap::telemetry::TraceContext;

namespace {

constexpr auto kTraceId = "0af7651916cd43dd8448eb211c80319c";
constexpr auto kSpanId = "b7ad6b7169203331";

QByteArray traceparent(QByteArrayView version, QByteArrayView traceId, QByteArrayView spanId,
                       QByteArrayView flags)
{
    return version.toByteArray() + '-' + traceId.toByteArray() + '-' + spanId.toByteArray() + '-' +
           flags.toByteArray();
}

// "k0=v,k1=v,..." with `count` members.
QByteArray members(int count, QByteArrayView value = "v")
{
    QByteArrayList list;
    for (int i = 0; i < count; ++i)
        list.append("k" + QByteArray::number(i) + '=' + value.toByteArray());
    return list.join(',');
}

} // namespace

class tst_TraceContext : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesVersion00()
    {
        const auto context = TraceContext::parse(traceparent("00", kTraceId, kSpanId, "01"));
        QVERIFY(context);
        QCOMPARE(TraceContext::hex(context->traceId.data(), context->traceId.size()), QByteArray(kTraceId));
        QCOMPARE(TraceContext::hex(context->spanId.data(), context->spanId.size()), QByteArray(kSpanId));
        QVERIFY(context->sampled);
    }

    void sampledFlag_data()
    {
        QTest::addColumn<QByteArray>("flags");
        QTest::addColumn<bool>("sampled");
        QTest::newRow("00") << QByteArray("00") << false;
        QTest::newRow("01") << QByteArray("01") << true;
        // Only bit 0 is the sampled flag; other bits are unknown flags and do not change it.
        QTest::newRow("02") << QByteArray("02") << false;
        QTest::newRow("03") << QByteArray("03") << true;
        QTest::newRow("ff") << QByteArray("ff") << true;
    }
    void sampledFlag()
    {
        QFETCH(QByteArray, flags);
        QFETCH(bool, sampled);
        const auto context = TraceContext::parse(traceparent("00", kTraceId, kSpanId, flags));
        QVERIFY(context);
        QCOMPARE(context->sampled, sampled);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("value");
        const QByteArray zeroTrace(32, '0');
        const QByteArray zeroSpan(16, '0');
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("all-zero trace id") << traceparent("00", zeroTrace, kSpanId, "01");
        QTest::newRow("all-zero span id") << traceparent("00", kTraceId, zeroSpan, "01");
        QTest::newRow("version ff") << traceparent("ff", kTraceId, kSpanId, "01");
        QTest::newRow("version not hex") << traceparent("0g", kTraceId, kSpanId, "01");
        QTest::newRow("version one digit") << traceparent("0", kTraceId, kSpanId, "01");
        QTest::newRow("upper-case trace id")
            << traceparent("00", QByteArray(kTraceId).toUpper(), kSpanId, "01");
        QTest::newRow("upper-case span id")
            << traceparent("00", kTraceId, QByteArray(kSpanId).toUpper(), "01");
        QTest::newRow("upper-case flags") << traceparent("00", kTraceId, kSpanId, "0A");
        QTest::newRow("upper-case version") << traceparent("0A", kTraceId, kSpanId, "01");
        QTest::newRow("trace id short") << traceparent("00", QByteArray(kTraceId).chopped(2), kSpanId, "01");
        QTest::newRow("trace id long")
            << traceparent("00", QByteArray(QByteArray(kTraceId) + "ab"), kSpanId, "01");
        QTest::newRow("span id short") << traceparent("00", kTraceId, QByteArray(kSpanId).chopped(2), "01");
        QTest::newRow("span id long")
            << traceparent("00", kTraceId, QByteArray(QByteArray(kSpanId) + "ab"), "01");
        QTest::newRow("flags one digit") << traceparent("00", kTraceId, kSpanId, "1");
        QTest::newRow("flags three digits") << traceparent("00", kTraceId, kSpanId, "011");
        // Version 00 is exactly 55 characters: nothing may follow, not even a '-'.
        QTest::newRow("version 00 with a field") << traceparent("00", kTraceId, kSpanId, "01-extra");
        QTest::newRow("wrong separator") << QByteArray("00_") + kTraceId + '-' + kSpanId + "-01";
        QTest::newRow("separator missing") << QByteArray("00") + kTraceId + '-' + kSpanId + "-01";
        QTest::newRow("later version, no '-' before its field")
            << traceparent("01", kTraceId, kSpanId, "01") + "x";
        QTest::newRow("non-hex in trace id")
            << traceparent("00", QByteArray(kTraceId).replace(0, 1, "z"), kSpanId, "01");
    }
    void rejects()
    {
        QFETCH(QByteArray, value);
        QVERIFY(!TraceContext::parse(value));
    }

    void laterVersionsMayAppendFields()
    {
        const auto context =
            TraceContext::parse(QByteArray(traceparent("01", kTraceId, kSpanId, "01") + "-what-ever"));
        QVERIFY(context);
        QCOMPARE(TraceContext::hex(context->spanId.data(), context->spanId.size()), QByteArray(kSpanId));
        QVERIFY(TraceContext::parse(traceparent("cc", kTraceId, kSpanId, "00")));
    }

    void surroundingWhitespaceIsIgnored()
    {
        QVERIFY(TraceContext::parse(QByteArray(" \t" + traceparent("00", kTraceId, kSpanId, "01") + " ")));
    }

    void formatsVersion00()
    {
        auto context = TraceContext::parse(traceparent("00", kTraceId, kSpanId, "01"));
        QVERIFY(context);
        QCOMPARE(context->traceparent(), traceparent("00", kTraceId, kSpanId, "01"));
        context->sampled = false;
        QCOMPARE(context->traceparent(), traceparent("00", kTraceId, kSpanId, "00"));
        // A later version and unknown flags are sent on as version 00 with only the sampled flag.
        const auto later = TraceContext::parse(QByteArray(traceparent("42", kTraceId, kSpanId, "ff") + "-x"));
        QVERIFY(later);
        QCOMPARE(later->traceparent(), traceparent("00", kTraceId, kSpanId, "01"));
        TraceContext::TraceparentText text;
        text.fill('x');
        later->writeTraceparent(text);
        QCOMPARE(QByteArray(text.data(), qsizetype(text.size())), traceparent("00", kTraceId, kSpanId, "01"));
    }

    void hexOfEveryByteValue()
    {
        std::array<std::uint8_t, 256> bytes{};
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<std::uint8_t>(i);
        const QByteArray expected =
            QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size())).toHex();
        QCOMPARE(TraceContext::hex(bytes.data(), bytes.size()), expected);
    }

    // Every size around the 8 and 16 bytes converted at once, with nibbles at the 9/a boundary.
    void hexOfEverySize()
    {
        const std::array<std::uint8_t, 35> bytes{0x00, 0x9f, 0xa0, 0x0a, 0xff, 0x5c, 0x13, 0x99, 0xaa,
                                                 0x90, 0x09, 0xf0, 0x0f, 0x3e, 0xe3, 0x81, 0x7b, 0xc6,
                                                 0x01, 0xfe, 0x42, 0xb5, 0x5b, 0xd2, 0x2d, 0x88, 0x77,
                                                 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xab, 0xcd};
        for (std::size_t size = 0; size <= bytes.size(); ++size) {
            const QByteArray expected =
                QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(size)).toHex();
            QCOMPARE(TraceContext::hex(bytes.data(), size), expected);
        }
    }

    void roundTripOfEveryByte()
    {
        TraceContext context;
        for (std::size_t i = 0; i < context.traceId.size(); ++i)
            context.traceId[i] = static_cast<std::uint8_t>(0xf0 + i);
        for (std::size_t i = 0; i < context.spanId.size(); ++i)
            context.spanId[i] = static_cast<std::uint8_t>(i * 0x11 + 1);
        context.sampled = true;
        const QByteArray text = context.traceparent();
        QCOMPARE(text, QByteArray("00-f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff-0112233445566778-01"));
        const auto parsed = TraceContext::parse(text);
        QVERIFY(parsed);
        QCOMPARE(parsed->traceId, context.traceId);
        QCOMPARE(parsed->spanId, context.spanId);
        QCOMPARE(parsed->sampled, true);
    }

    void traceStateWithinLimitsPassesUnchanged_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("one member") << QByteArray("vendor=abc") << QByteArray("vendor=abc");
        QTest::newRow("with spaces") << QByteArray("a=1 , b=2") << QByteArray("a=1 , b=2");
        QTest::newRow("trimmed") << QByteArray("  a=1,b=2 ") << QByteArray("a=1,b=2");
        QTest::newRow("exactly 128 bytes")
            << QByteArray("a=" + QByteArray(126, 'x')) << QByteArray("a=" + QByteArray(126, 'x'));
    }
    void traceStateWithinLimitsPassesUnchanged()
    {
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, expected);
        QCOMPARE(TraceContext::truncatedTraceState(value, 128).toByteArray(), expected);
    }

    // Too long: whole members are dropped from the end, never cut in the middle.
    void traceStateIsShortenedBetweenMembers_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<qsizetype>("maxBytes");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray forty = "k=" + QByteArray(38, 'x'); // 40 bytes
        QTest::newRow("fourth member does not fit")
            << QByteArray(forty + ',' + forty + ',' + forty + ',' + forty) << qsizetype(128)
            << QByteArray(forty + ',' + forty + ',' + forty);
        QTest::newRow("a member ending exactly at the limit")
            << QByteArray(forty + ',' + forty + ",ab=" + QByteArray(43, 'y') + ",c=1") << qsizetype(128)
            << QByteArray(forty + ',' + forty + ",ab=" + QByteArray(43, 'y'));
        QTest::newRow("first member too long")
            << QByteArray("a=" + QByteArray(200, 'x') + ",b=1") << qsizetype(128) << QByteArray();
        QTest::newRow("space before the cut is dropped")
            << QByteArray("a=1 , b=" + QByteArray(200, 'x')) << qsizetype(128) << QByteArray("a=1");
        QTest::newRow("32 members stay") << members(32) << qsizetype(4096) << members(32);
        QTest::newRow("33 members keep 32") << members(33) << qsizetype(4096) << members(32);
        QTest::newRow("512-byte limit")
            << members(40, QByteArray(20, 'v')) << qsizetype(512) << members(20, QByteArray(20, 'v'));
    }
    void traceStateIsShortenedBetweenMembers()
    {
        QFETCH(QByteArray, value);
        QFETCH(qsizetype, maxBytes);
        QFETCH(QByteArray, expected);
        const QByteArray shortened = TraceContext::truncatedTraceState(value, maxBytes).toByteArray();
        QCOMPARE(shortened, expected);
        QVERIFY(shortened.size() <= maxBytes);
    }

    void isZero()
    {
        const std::array<std::uint8_t, 4> zero{};
        const std::array<std::uint8_t, 4> one{0, 0, 0, 1};
        QVERIFY(TraceContext::isZero(zero.data(), zero.size()));
        QVERIFY(!TraceContext::isZero(one.data(), one.size()));
    }
};

QTEST_APPLESS_MAIN(tst_TraceContext)
#include "tst_TraceContext.moc"
