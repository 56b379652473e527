#include "telemetry/PrometheusText.h"

#include <cmath>

namespace aap::telemetry {

namespace {

void appendLabels(QByteArray &out, const MetricFamily::Labels &labels, QByteArrayView extraName = {},
                  QByteArrayView extraValue = {})
{
    if (labels.isEmpty() && extraName.isEmpty()) {
        return;
    }
    out.append('{');
    bool first = true;
    for (const auto &[name, value] : labels) {
        if (!first) {
            out.append(',');
        }
        first = false;
        out.append(name);
        out.append("=\"");
        PrometheusText::appendEscapedLabelValue(out, value);
        out.append('"');
    }
    if (!extraName.isEmpty()) {
        if (!first) {
            out.append(',');
        }
        out.append(extraName);
        out.append("=\"");
        out.append(extraValue);
        out.append('"');
    }
    out.append('}');
}

void appendHelp(QByteArray &out, QByteArrayView help)
{
    for (const char c : help) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.append(c);
        }
    }
}

} // namespace

void PrometheusText::appendEscapedLabelValue(QByteArray &out, QByteArrayView value)
{
    for (const char c : value) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '"') {
            out.append("\\\"");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.append(c);
        }
    }
}

void PrometheusText::appendNumber(QByteArray &out, double value)
{
    if (std::isinf(value)) {
        out.append(value > 0 ? "+Inf" : "-Inf");
    } else if (std::isnan(value)) {
        out.append("NaN");
    } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
        out.append(QByteArray::number(static_cast<qint64>(value)));
    } else {
        out.append(QByteArray::number(value, 'g', 17));
    }
}

QByteArray PrometheusText::render(const std::vector<MetricFamily> &families)
{
    QByteArray out;
    out.reserve(8192);
    for (const MetricFamily &family : families) {
        // The family name of a counter is its name without _total (OpenMetrics); the 0.0.4 format
        // uses the sample name in HELP and TYPE.
        out.append("# HELP ");
        out.append(family.name);
        out.append(' ');
        appendHelp(out, family.help);
        out.append("\n# TYPE ");
        out.append(family.name);
        switch (family.type) {
        case MetricFamily::Type::Counter:
            out.append(" counter\n");
            break;
        case MetricFamily::Type::Gauge:
            out.append(" gauge\n");
            break;
        case MetricFamily::Type::Histogram:
            out.append(" histogram\n");
            break;
        }
        for (const MetricFamily::Point &point : family.points) {
            if (family.type != MetricFamily::Type::Histogram) {
                out.append(family.name);
                appendLabels(out, point.labels);
                out.append(' ');
                appendNumber(out, point.value);
                out.append('\n');
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < point.buckets.size(); ++i) {
                cumulative += point.buckets[i];
                QByteArray le;
                if (i < family.bounds.size()) {
                    appendNumber(le, family.bounds[i]);
                } else {
                    le = "+Inf";
                }
                out.append(family.name);
                out.append("_bucket");
                appendLabels(out, point.labels, "le", le);
                out.append(' ');
                out.append(QByteArray::number(cumulative));
                out.append('\n');
            }
            out.append(family.name);
            out.append("_sum");
            appendLabels(out, point.labels);
            out.append(' ');
            appendNumber(out, point.sum);
            out.append("\n");
            out.append(family.name);
            out.append("_count");
            appendLabels(out, point.labels);
            out.append(' ');
            out.append(QByteArray::number(point.count));
            out.append('\n');
        }
    }
    return out;
}

} // namespace aap::telemetry
