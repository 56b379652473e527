// An accepted descriptor queued to a worker is closed when the queued call is dropped (its worker
// was deleted first), and left open when the call ran and took it.
#include "proxy/PendingDescriptor.h"

#include <QCoreApplication>
#include <QObject>
#include <QTest>

#include <memory>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using aap::proxy::PendingDescriptor;

class tst_PendingDescriptor : public QObject {
    Q_OBJECT

    // True when the other end of the pair was closed: a read sees the end of input at once.
    static bool peerClosed(int peer)
    {
        char byte = 0;
        return ::recv(peer, &byte, 1, MSG_DONTWAIT) == 0;
    }

private Q_SLOTS:
    void droppedQueuedCallClosesTheDescriptor()
    {
        int pair[2] = {-1, -1};
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        auto receiver = std::make_unique<QObject>();
        bool ran = false;
        auto pending = std::make_shared<PendingDescriptor>(pair[0]);
        QMetaObject::invokeMethod(
            receiver.get(), [pending, &ran] { ran = pending->take() >= 0; }, Qt::QueuedConnection);
        pending.reset();
        QVERIFY(!peerClosed(pair[1]));
        receiver.reset(); // the worker is gone before its event loop ran the call
        QCoreApplication::processEvents();
        QVERIFY(!ran);
        QVERIFY(peerClosed(pair[1]));
        ::close(pair[1]);
    }

    void takenDescriptorStaysOpen()
    {
        int pair[2] = {-1, -1};
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        qintptr taken = -1;
        {
            PendingDescriptor pending(pair[0]);
            taken = pending.take();
            QCOMPARE(pending.take(), qintptr{-1});
        }
        QCOMPARE(taken, qintptr{pair[0]});
        QVERIFY(::fcntl(pair[0], F_GETFD) != -1);
        QVERIFY(!peerClosed(pair[1]));
        ::close(pair[0]);
        ::close(pair[1]);
    }
};

QTEST_GUILESS_MAIN(tst_PendingDescriptor)
#include "tst_PendingDescriptor.moc"
