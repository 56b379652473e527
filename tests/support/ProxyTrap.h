#pragma once

#include <QTcpServer>
#include <QUrl>

namespace aap::test {

// A stand-in HTTPS_PROXY on 127.0.0.1 that must never be contacted: it only counts connections.
class ProxyTrap final : public QTcpServer {
    Q_OBJECT

public:
    explicit ProxyTrap(QObject *parent = nullptr);

    [[nodiscard]] QUrl url() const;
    [[nodiscard]] int connections() const { return m_connections; }

private:
    int m_connections = 0;
};

} // namespace aap::test
