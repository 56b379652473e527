#pragma once

#include "core/Expected.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QTcpServer>

#include <functional>

namespace aap::health {
class ReadinessProbe;
}

namespace aap::app {

// The optional admin port: /metrics, /health and /ready for scrapers and probes that should not
// share the data path's port. One short request per connection, answered and closed; never
// forwards anything. Runs on the main thread (scrapes are rare).
class AdminServer : public QObject {
    Q_OBJECT

public:
    // The running generation's readiness probe (a reload replaces it, the admin port stays).
    using ProbeSource = std::function<const health::ReadinessProbe &()>;

    // metricsText empty: /metrics is 404 here too.
    AdminServer(ProbeSource probe, std::function<QByteArray()> metricsText, QObject *parent = nullptr);
    ~AdminServer() override;

    Expected<void, QString> listen(const QHostAddress &address, quint16 port);
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }

private:
    void accept();
    void answer(QTcpSocket *socket);

    ProbeSource m_probe;
    std::function<QByteArray()> m_metricsText;
    QTcpServer m_server;
};

} // namespace aap::app
