#pragma once

#include <QObject>

#include <functional>

class QSocketNotifier;
class QTcpSocket;

namespace aap::proxy {

// Lets a plain-TCP client that half-closes after its request (shutdown(SHUT_WR), `nc -N`) still get
// the response. Qt takes the end of input for a disconnect and closes the descriptor, the sending
// side included. While `owed()` holds, this filter on the socket's read notifier looks first
// (MSG_PEEK); at the end of input it stops the notifier, so Qt never reads it, and calls `halfClosed`.
// Inert on platforms without MSG_PEEK semantics here (Windows) and when the notifier is not found.
class HalfCloseWatch : public QObject {
public:
    HalfCloseWatch(QTcpSocket &socket, std::function<bool()> owed, std::function<void()> halfClosed,
                   QObject *parent);

    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QSocketNotifier *m_notifier = nullptr;
    int m_descriptor = -1;
    std::function<bool()> m_owed;
    std::function<void()> m_halfClosed;
};

} // namespace aap::proxy
