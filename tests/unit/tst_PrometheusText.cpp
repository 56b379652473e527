// The Prometheus text exposition format 0.0.4 as /metrics renders it: HELP and TYPE lines, escaped
// label values, histogram buckets with _sum and _count, counters named with _total.
#include "telemetry/PrometheusText.h"

#include <QTest>

#include <limits>

using aap::telemetry::MetricFamily;
using aap::telemetry::PrometheusText;

namespace {

MetricFamily family(QByteArray name, MetricFamily::Type type, QByteArray help = "Help.")
{
    MetricFamily f;
    f.name = std::move(name);
    f.type = type;
    f.help = std::move(help);
    return f;
}

MetricFamily::Point point(MetricFamily::Labels labels, double value)
{
    MetricFamily::Point p;
    p.labels = std::move(labels);
    p.value = value;
    return p;
}

QByteArray escaped(QByteArrayView value)
{
    QByteArray out;
    PrometheusText::appendEscapedLabelValue(out, value);
    return out;
}

QByteArray number(double value)
{
    QByteArray out;
    PrometheusText::appendNumber(out, value);
    return out;
}

} // namespace

class tst_PrometheusText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void labelValueEscaping_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QByteArray("GET") << QByteArray("GET");
        QTest::newRow("backslash") << QByteArray(R"(C:\dir)") << QByteArray(R"(C:\\dir)");
        QTest::newRow("double quote") << QByteArray(R"(say "hi")") << QByteArray(R"(say \"hi\")");
        QTest::newRow("newline") << QByteArray("a\nb") << QByteArray(R"(a\nb)");
        QTest::newRow("all three") << QByteArray("\\\"\n") << QByteArray(R"(\\\"\n)");
        // Only those three are escaped: single quotes, tabs, braces and UTF-8 pass as they are.
        QTest::newRow("others unchanged") << QByteArray("'\t{}=,é") << QByteArray("'\t{}=,é");
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }
    void labelValueEscaping()
    {
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, expected);
        QCOMPARE(escaped(value), expected);
    }

    void numbers_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("zero") << 0.0 << QByteArray("0");
        QTest::newRow("integer") << 42.0 << QByteArray("42");
        QTest::newRow("negative integer") << -3.0 << QByteArray("-3");
        QTest::newRow("large integer") << 123456789012.0 << QByteArray("123456789012");
        QTest::newRow("fraction") << 2.5 << QByteArray("2.5");
        QTest::newRow("+Inf") << std::numeric_limits<double>::infinity() << QByteArray("+Inf");
        QTest::newRow("-Inf") << -std::numeric_limits<double>::infinity() << QByteArray("-Inf");
        QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
    }
    void numbers()
    {
        QFETCH(double, value);
        QFETCH(QByteArray, expected);
        QCOMPARE(number(value), expected);
    }

    // A fraction is written so that it reads back as the same double.
    void fractionsRoundTrip()
    {
        for (const double value : {0.1, 1.0 / 3.0, 12.345, 1e-9, 6.02e23}) {
            const QByteArray text = number(value);
            bool ok = false;
            QCOMPARE(text.toDouble(&ok), value);
            QVERIFY(ok);
        }
    }

    void helpAndTypeLines()
    {
        std::vector<MetricFamily> families;
        families.push_back(
            family("c_total", MetricFamily::Type::Counter, "Counts \\ things\nacross \"lines\"."));
        families.push_back(family("g", MetricFamily::Type::Gauge));
        families.push_back(family("h", MetricFamily::Type::Histogram));
        const QByteArray text = PrometheusText::render(families);
        // HELP escapes backslash and newline only (quotes stay); every family has exactly one of each.
        QVERIFY2(
            text.contains("# HELP c_total Counts \\\\ things\\nacross \"lines\".\n# TYPE c_total counter\n"),
            text.constData());
        QVERIFY(text.contains("# HELP g Help.\n# TYPE g gauge\n"));
        QVERIFY(text.contains("# HELP h Help.\n# TYPE h histogram\n"));
        QCOMPARE(text.count("# HELP "), 3);
        QCOMPARE(text.count("# TYPE "), 3);
        QVERIFY(text.endsWith('\n'));
    }

    // In 0.0.4 a counter's samples, HELP and TYPE all carry the _total name, never a second _total.
    void counterTotalSuffix()
    {
        MetricFamily counter = family("aad_auth_proxy_requests_total", MetricFamily::Type::Counter);
        counter.points.push_back(point({{"route", "default"}, {"method", "GET"}}, 7));
        counter.points.push_back(point({{"route", "default"}, {"method", "POST"}}, 0));
        const QByteArray text = PrometheusText::render({counter});
        QCOMPARE(text, QByteArray("# HELP aad_auth_proxy_requests_total Help.\n"
                                  "# TYPE aad_auth_proxy_requests_total counter\n"
                                  "aad_auth_proxy_requests_total{route=\"default\",method=\"GET\"} 7\n"
                                  "aad_auth_proxy_requests_total{route=\"default\",method=\"POST\"} 0\n"));
        QVERIFY(!text.contains("_total_total"));
    }

    void samplesWithoutLabelsAndEscapedLabels()
    {
        MetricFamily gauge = family("up", MetricFamily::Type::Gauge);
        gauge.points.push_back(point({}, 1));
        gauge.points.push_back(point({{"path", "a\"b\\c\nd"}}, 0.5));
        const QByteArray text = PrometheusText::render({gauge});
        QVERIFY2(text.contains("\nup 1\n"), text.constData());
        QVERIFY2(text.contains("\nup{path=\"a\\\"b\\\\c\\nd\"} 0.5\n"), text.constData());
    }

    // Buckets are stored per bucket and written cumulative, +Inf last (equal to _count), then _sum
    // and _count, with the point's labels before le.
    void histogram()
    {
        MetricFamily h = family("d_ms", MetricFamily::Type::Histogram);
        h.bounds = {0.5, 1, 2.5};
        MetricFamily::Point p;
        p.labels = {{"route", "r"}};
        p.buckets = {1, 0, 3, 2}; // the last one is +Inf
        p.count = 6;
        p.sum = 17.25;
        h.points.push_back(p);
        MetricFamily::Point unlabelled;
        unlabelled.buckets = {0, 0, 0, 0};
        h.points.push_back(unlabelled);
        const QByteArray text = PrometheusText::render({h});
        QCOMPARE(text, QByteArray("# HELP d_ms Help.\n"
                                  "# TYPE d_ms histogram\n"
                                  "d_ms_bucket{route=\"r\",le=\"0.5\"} 1\n"
                                  "d_ms_bucket{route=\"r\",le=\"1\"} 1\n"
                                  "d_ms_bucket{route=\"r\",le=\"2.5\"} 4\n"
                                  "d_ms_bucket{route=\"r\",le=\"+Inf\"} 6\n"
                                  "d_ms_sum{route=\"r\"} 17.25\n"
                                  "d_ms_count{route=\"r\"} 6\n"
                                  "d_ms_bucket{le=\"0.5\"} 0\n"
                                  "d_ms_bucket{le=\"1\"} 0\n"
                                  "d_ms_bucket{le=\"2.5\"} 0\n"
                                  "d_ms_bucket{le=\"+Inf\"} 0\n"
                                  "d_ms_sum 0\n"
                                  "d_ms_count 0\n"));
    }

    void familyWithoutPoints()
    {
        const QByteArray text = PrometheusText::render({family("empty_total", MetricFamily::Type::Counter)});
        QCOMPARE(text, QByteArray("# HELP empty_total Help.\n# TYPE empty_total counter\n"));
        QCOMPARE(PrometheusText::render({}), QByteArray());
    }
};

QTEST_APPLESS_MAIN(tst_PrometheusText)
#include "tst_PrometheusText.moc"
