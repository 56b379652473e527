#include "proxy/HalfCloseWatch.h"

#include <QEvent>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <gsl/narrow>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace aap::proxy {

HalfCloseWatch::HalfCloseWatch(QTcpSocket &socket, std::function<bool()> owed,
                               std::function<void()> halfClosed, QObject *parent)
    : QObject(parent), m_owed(std::move(owed)), m_halfClosed(std::move(halfClosed))
{
#ifdef Q_OS_UNIX
    // The read notifier belongs to the socket's engine, a child of the socket; it exists once a
    // connected descriptor was adopted on a thread with an event loop.
    const qintptr descriptor = socket.socketDescriptor();
    const auto notifiers = socket.findChildren<QSocketNotifier *>();
    for (QSocketNotifier *notifier : notifiers) {
        if (notifier->type() == QSocketNotifier::Read && notifier->socket() == descriptor) {
            m_notifier = notifier;
            m_descriptor = gsl::narrow<int>(descriptor);
            notifier->installEventFilter(this);
            break;
        }
    }
#else
    Q_UNUSED(socket);
#endif
}

bool HalfCloseWatch::eventFilter(QObject *watched, QEvent *event)
{
#ifdef Q_OS_UNIX
    if (watched != m_notifier || event->type() != QEvent::SockAct || !m_owed()) {
        return false;
    }
    char byte = 0;
    if (::recv(m_descriptor, &byte, 1, MSG_PEEK | MSG_DONTWAIT) != 0) {
        return false; // data (Qt reads it) or nothing yet
    }
    // The end of input: leave it unread, or Qt closes the sending side with it.
    m_notifier->setEnabled(false);
    m_halfClosed();
    return true;
#else
    Q_UNUSED(watched);
    Q_UNUSED(event);
    return false;
#endif
}

} // namespace aap::proxy
