#include "ui/RateChart.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace aap::configurator {

using namespace Qt::StringLiterals;

namespace {

constexpr int kSeconds = 60;
const QColor kRequests(0x1f, 0x6f, 0xb5);
const QColor kErrors(0xc0, 0x1c, 0x28);

// 1, 2, 5, 10, 20, 50, ...: a scale a person reads at a glance.
double niceCeiling(double value)
{
    if (value <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 5.0, 10.0}) {
        if (value <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

RateChart::RateChart(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"rateChart"_s);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setAccessibleName(tr("Requests and errors per second"));
}

void RateChart::setHistory(const QList<StatusSnapshot::Second> &history, double requestRate, double errorRate)
{
    m_history = history.mid(std::max<qsizetype>(0, history.size() - kSeconds));
    m_requestRate = requestRate;
    m_errorRate = errorRate;
    update();
}

QSize RateChart::sizeHint() const
{
    return {480, 9 * fontMetrics().height()};
}

QSize RateChart::minimumSizeHint() const
{
    return {240, 7 * fontMetrics().height()};
}

void RateChart::paintEvent(QPaintEvent * /*event*/)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.height();

    double peak = 0;
    for (const auto &second : std::as_const(m_history))
        peak = std::max({peak, second.requests, second.errors});
    const double top = niceCeiling(peak);

    const QString topText = QString::number(top, 'g', 4);
    const int left = metrics.horizontalAdvance(topText) + 8;
    const QRect plot(left, line / 2, width() - left - 4, height() - line / 2 - 2 * line - 4);

    painter.fillRect(plot, palette().base());
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(plot.adjusted(0, 0, -1, -1));
    painter.drawLine(plot.left(), plot.center().y(), plot.right(), plot.center().y());
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(0, plot.top() - line / 2, left - 4, line), Qt::AlignRight | Qt::AlignVCenter,
                     topText);
    painter.drawText(QRect(0, plot.bottom() - line / 2, left - 4, line), Qt::AlignRight | Qt::AlignVCenter,
                     u"0"_s);
    painter.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), line), Qt::AlignLeft,
                     tr("60 s ago"));
    painter.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), line), Qt::AlignRight, tr("now"));

    auto draw = [&](const QColor &color, auto value) {
        if (m_history.isEmpty())
            return;
        QPainterPath path;
        const double step = plot.width() / double(kSeconds - 1);
        const qsizetype offset = kSeconds - m_history.size();
        for (qsizetype i = 0; i < m_history.size(); ++i) {
            const QPointF point(plot.left() + double(offset + i) * step,
                                plot.bottom() - value(m_history.at(i)) / top * (plot.height() - 1));
            if (i == 0)
                path.moveTo(point);
            else
                path.lineTo(point);
        }
        painter.setPen(QPen(color, 2));
        painter.drawPath(path);
    };
    draw(kRequests, [](const StatusSnapshot::Second &s) { return s.requests; });
    draw(kErrors, [](const StatusSnapshot::Second &s) { return s.errors; });

    // Legend with the current rates.
    const int legendY = plot.bottom() + 2 + line;
    int x = plot.left();
    auto legend = [&](const QColor &color, const QString &text) {
        painter.fillRect(QRect(x, legendY + line / 2 - 2, 14, 4), color);
        x += 18;
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(x, legendY, metrics.horizontalAdvance(text) + 2, line), Qt::AlignLeft, text);
        x += metrics.horizontalAdvance(text) + 16;
    };
    legend(kRequests, tr("requests: %1/s").arg(m_requestRate, 0, 'f', 1));
    legend(kErrors, tr("errors: %1/s").arg(m_errorRate, 0, 'f', 1));
}

} // namespace aap::configurator
