#include "proxy/Acceptor.h"

namespace aap::proxy {

Acceptor::Acceptor(std::function<void(qintptr)> handOff, QObject *parent)
    : QTcpServer(parent), m_handOff(std::move(handOff))
{}

void Acceptor::incomingConnection(qintptr descriptor)
{
    m_handOff(descriptor);
}

} // namespace aap::proxy
