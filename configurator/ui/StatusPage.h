#pragma once

#include "core/Clock.h"
#include "models/StatusSnapshot.h"

#include <QJsonObject>
#include <QTimer>
#include <QWidget>

#include <gsl/pointers>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace aap::ipc {
class ControlClient;
}

namespace aap::configurator {

class RateChart;

// The live state of the running service: connected or not (and why), per route whether it is
// ready, its identity and audience, a countdown to the token's expiry, the next refresh and the last
// error in plain words; request and error rates over the last minute; the token events. Actions:
// refresh tokens now, and a diagnosis that lists each step with its verdict. The connection comes
// back by itself when the service restarts (ControlClient reconnects and renews the subscription).
class StatusPage : public QWidget {
    Q_OBJECT

public:
    StatusPage(ipc::ControlClient &client, gsl::not_null<const Clock *> clock, QWidget *parent = nullptr);

    [[nodiscard]] bool isConnected() const;
    [[nodiscard]] QString connectionText() const;
    [[nodiscard]] const StatusSnapshot &snapshot() const { return m_snapshot; }
    // Column texts of a route's row ("ready", "expires", "next refresh", "last result").
    [[nodiscard]] QString routeText(const QString &route, const QString &column) const;
    [[nodiscard]] QString lastErrorText() const;
    [[nodiscard]] QTreeWidget *diagnosisView() const { return m_diagnosis; }
    [[nodiscard]] QTreeWidget *eventsView() const { return m_events; }

    void setStatus(const QJsonObject &status);
    // Redraws the countdowns from the clock (a timer calls it every second).
    void tick();
    void refreshNow();
    void diagnose();

    // "1 h 02 min 05 s", "4 min 10 s", "expired 3 min ago".
    [[nodiscard]] static QString countdown(std::chrono::seconds left);

Q_SIGNALS:
    // A diagnosis answer arrived and is shown.
    void diagnosisShown();

private:
    void updateConnection();
    void fillRoutes();

    ipc::ControlClient &m_client;
    gsl::not_null<const Clock *> m_clock;
    StatusSnapshot m_snapshot;
    QLabel *m_connection;
    QTreeWidget *m_routes;
    QLabel *m_lastError;
    RateChart *m_chart;
    QTreeWidget *m_events;
    QPushButton *m_refresh;
    QPushButton *m_diagnose;
    QLabel *m_actionResult;
    QTreeWidget *m_diagnosis;
    QTimer m_tick;
};

} // namespace aap::configurator
