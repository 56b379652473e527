#include "support/ProxyTrap.h"

namespace aap::test {

ProxyTrap::ProxyTrap(QObject *parent) : QTcpServer(parent)
{
    listen(QHostAddress::LocalHost, 0);
    connect(this, &QTcpServer::newConnection, this, [this] { ++m_connections; });
}

QUrl ProxyTrap::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(serverPort()));
}

} // namespace aap::test
