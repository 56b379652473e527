// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG: the sampler's decision for root spans and for spans
// with a sampled or unsampled parent, and the argument's validation.
#include "config/ConfigValues.h"
#include "telemetry/Sampler.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace Qt::StringLiterals;
using aap::config::TracesSampler;
using aap::telemetry::Sampler;
using aap::telemetry::TraceContext;
using aap::telemetry::TraceId;

Q_DECLARE_METATYPE(TracesSampler)

namespace {

// A trace id whose low 8 bytes (the ones the ratio samplers read) are `low`, big-endian.
TraceId traceIdWithLow(std::uint64_t low)
{
    TraceId id{};
    id[0] = 0xab; // the high half does not take part
    for (int i = 15; i >= 8; --i) {
        id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(low & 0xff);
        low >>= 8;
    }
    return id;
}

TraceContext callerContext(bool sampled)
{
    TraceContext context;
    context.traceId = traceIdWithLow(42);
    context.spanId[7] = 1;
    context.sampled = sampled;
    return context;
}

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kHalf = std::uint64_t{1} << 63; // the ratio samplers' 0.5 boundary, as a low half

// The share of `count` random trace ids a sampler keeps.
double sampledShare(const Sampler &sampler, int count)
{
    std::mt19937_64 random(12345); // fixed seed: the test's outcome does not vary between runs
    int kept = 0;
    for (int i = 0; i < count; ++i) {
        if (sampler.shouldSample(std::nullopt, traceIdWithLow(random())))
            ++kept;
    }
    return static_cast<double>(kept) / count;
}

} // namespace

class tst_Sampler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rootDecision_data()
    {
        QTest::addColumn<TracesSampler>("kind");
        QTest::addColumn<double>("ratio");
        QTest::addColumn<quint64>("low");
        QTest::addColumn<bool>("expected");
        QTest::newRow("always_on") << TracesSampler::AlwaysOn << 0.0 << quint64{0} << true;
        QTest::newRow("always_on, any id") << TracesSampler::AlwaysOn << 0.0 << quint64{kMax} << true;
        QTest::newRow("always_off") << TracesSampler::AlwaysOff << 1.0 << quint64{0} << false;
        QTest::newRow("traceidratio 0, lowest id")
            << TracesSampler::TraceIdRatio << 0.0 << quint64{0} << false;
        QTest::newRow("traceidratio 0, highest id")
            << TracesSampler::TraceIdRatio << 0.0 << quint64{kMax} << false;
        QTest::newRow("traceidratio 1, lowest id")
            << TracesSampler::TraceIdRatio << 1.0 << quint64{0} << true;
        QTest::newRow("traceidratio 1, highest id")
            << TracesSampler::TraceIdRatio << 1.0 << quint64{kMax} << true;
        QTest::newRow("traceidratio 0.5, below")
            << TracesSampler::TraceIdRatio << 0.5 << quint64{kHalf - 1} << true;
        QTest::newRow("traceidratio 0.5, at the boundary")
            << TracesSampler::TraceIdRatio << 0.5 << quint64{kHalf} << false;
        QTest::newRow("traceidratio 0.5, highest")
            << TracesSampler::TraceIdRatio << 0.5 << quint64{kMax} << false;
        // The parent-based samplers decide a root span like their root sampler.
        QTest::newRow("parentbased_always_on")
            << TracesSampler::ParentBasedAlwaysOn << 0.0 << quint64{kMax} << true;
        QTest::newRow("parentbased_always_off")
            << TracesSampler::ParentBasedAlwaysOff << 1.0 << quint64{0} << false;
        QTest::newRow("parentbased_traceidratio 0.5, below")
            << TracesSampler::ParentBasedTraceIdRatio << 0.5 << quint64{0} << true;
        QTest::newRow("parentbased_traceidratio 0.5, above")
            << TracesSampler::ParentBasedTraceIdRatio << 0.5 << quint64{kMax} << false;
        QTest::newRow("parentbased_traceidratio 0")
            << TracesSampler::ParentBasedTraceIdRatio << 0.0 << quint64{0} << false;
        // Out-of-range arguments (the configuration rejects them) are clamped, NaN samples nothing.
        QTest::newRow("ratio above 1") << TracesSampler::TraceIdRatio << 7.0 << quint64{kMax} << true;
        QTest::newRow("ratio below 0") << TracesSampler::TraceIdRatio << -1.0 << quint64{0} << false;
        QTest::newRow("ratio NaN") << TracesSampler::TraceIdRatio << std::numeric_limits<double>::quiet_NaN()
                                   << quint64{0} << false;
    }
    void rootDecision()
    {
        QFETCH(TracesSampler, kind);
        QFETCH(double, ratio);
        QFETCH(quint64, low);
        QFETCH(bool, expected);
        QCOMPARE(Sampler(kind, ratio).shouldSample(std::nullopt, traceIdWithLow(low)), expected);
    }

    void withParent_data()
    {
        QTest::addColumn<TracesSampler>("kind");
        QTest::addColumn<bool>("parentSampled");
        QTest::addColumn<bool>("expected");
        // Parent-based samplers follow the caller's flag, whatever their root sampler says.
        QTest::newRow("parentbased_always_on, sampled parent")
            << TracesSampler::ParentBasedAlwaysOn << true << true;
        QTest::newRow("parentbased_always_on, unsampled parent")
            << TracesSampler::ParentBasedAlwaysOn << false << false;
        QTest::newRow("parentbased_always_off, sampled parent")
            << TracesSampler::ParentBasedAlwaysOff << true << true;
        QTest::newRow("parentbased_always_off, unsampled parent")
            << TracesSampler::ParentBasedAlwaysOff << false << false;
        QTest::newRow("parentbased_traceidratio, sampled parent")
            << TracesSampler::ParentBasedTraceIdRatio << true << true;
        QTest::newRow("parentbased_traceidratio, unsampled parent")
            << TracesSampler::ParentBasedTraceIdRatio << false << false;
        // The others ignore the parent.
        QTest::newRow("always_on, unsampled parent") << TracesSampler::AlwaysOn << false << true;
        QTest::newRow("always_off, sampled parent") << TracesSampler::AlwaysOff << true << false;
        QTest::newRow("traceidratio, unsampled parent") << TracesSampler::TraceIdRatio << false << true;
    }
    void withParent()
    {
        QFETCH(TracesSampler, kind);
        QFETCH(bool, parentSampled);
        QFETCH(bool, expected);
        // Ratio 0 for the parent-based ratio sampler, 1 for the plain one: the parent decides or not.
        const double ratio = kind == TracesSampler::TraceIdRatio ? 1.0 : 0.0;
        const TraceContext caller = callerContext(parentSampled);
        QCOMPARE(Sampler(kind, ratio).shouldSample(caller, caller.traceId), expected);
    }

    void ratioKeepsItsShare_data()
    {
        QTest::addColumn<double>("ratio");
        QTest::newRow("0") << 0.0;
        QTest::newRow("0.1") << 0.1;
        QTest::newRow("0.5") << 0.5;
        QTest::newRow("1") << 1.0;
    }
    void ratioKeepsItsShare()
    {
        QFETCH(double, ratio);
        const double share = sampledShare(Sampler(TracesSampler::TraceIdRatio, ratio), 20'000);
        QVERIFY2(std::abs(share - ratio) < 0.02, qPrintable(QString::number(share)));
    }

    // Same trace id, same decision: every service sampling by the same ratio keeps the same traces.
    void decisionDependsOnlyOnTheId()
    {
        const Sampler a(TracesSampler::TraceIdRatio, 0.3);
        const Sampler b(TracesSampler::ParentBasedTraceIdRatio, 0.3);
        std::mt19937_64 random(7);
        for (int i = 0; i < 1000; ++i) {
            const TraceId id = traceIdWithLow(random());
            QCOMPARE(a.shouldSample(std::nullopt, id), b.shouldSample(std::nullopt, id));
            QCOMPARE(a.shouldSample(std::nullopt, id), a.shouldSample(std::nullopt, id));
        }
    }

    void argument_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("value");
        QTest::newRow("0") << u"0"_s << true << 0.0;
        QTest::newRow("0.5") << u"0.5"_s << true << 0.5;
        QTest::newRow("1") << u"1"_s << true << 1.0;
        QTest::newRow("spaces") << u" 0.25 "_s << true << 0.25;
        QTest::newRow("1.0") << u"1.0"_s << true << 1.0;
        QTest::newRow("negative") << u"-0.1"_s << false << 0.0;
        QTest::newRow("above 1") << u"1.01"_s << false << 0.0;
        QTest::newRow("percent") << u"50%"_s << false << 0.0;
        QTest::newRow("word") << u"half"_s << false << 0.0;
        QTest::newRow("empty") << QString() << false << 0.0;
        QTest::newRow("nan") << u"nan"_s << false << 0.0;
        QTest::newRow("inf") << u"inf"_s << false << 0.0;
        QTest::newRow("comma decimal") << u"0,5"_s << false << 0.0;
    }
    void argument()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(double, value);
        const auto parsed = aap::config::values::parseRatio(text);
        QCOMPARE(parsed.has_value(), valid);
        if (valid)
            QCOMPARE(*parsed, value);
        else
            QVERIFY(parsed.error().contains(u"between 0 and 1"_s));
    }

    void samplerNames_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("always_on") << u"always_on"_s << true;
        QTest::newRow("upper case") << u"ParentBased_TraceIdRatio"_s << true;
        QTest::newRow("unknown") << u"sometimes"_s << false;
        QTest::newRow("jaeger_remote (not supported)") << u"jaeger_remote"_s << false;
        QTest::newRow("empty") << QString() << false;
    }
    void samplerNames()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const auto parsed = aap::config::values::parseTracesSampler(text);
        QCOMPARE(parsed.has_value(), valid);
        if (valid)
            QCOMPARE(aap::config::values::tracesSamplerName(*parsed), text.toLower());
    }
};

QTEST_APPLESS_MAIN(tst_Sampler)
#include "tst_Sampler.moc"
