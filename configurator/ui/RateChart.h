#pragma once

#include "models/StatusSnapshot.h"

#include <QList>
#include <QWidget>

namespace aap::configurator {

// Requests and errors per second over the last minute, drawn with QPainter: a line for requests,
// one for errors, the scale on the left and a legend with the current rates.
class RateChart : public QWidget {
    Q_OBJECT

public:
    explicit RateChart(QWidget *parent = nullptr);

    void setHistory(const QList<StatusSnapshot::Second> &history, double requestRate, double errorRate);
    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<StatusSnapshot::Second> m_history;
    double m_requestRate = 0;
    double m_errorRate = 0;
};

} // namespace aap::configurator
