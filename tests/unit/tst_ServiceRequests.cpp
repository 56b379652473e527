#include "platform/ServiceRequests.h"

#include <QTest>
#include <QThread>

#include <thread>

using aap::platform::ServiceEvents;
using aap::platform::ServiceRequests;

// The SCM calls its control handler on a thread of its own; the runner must get the request on
// its own thread, through the event loop.
class tst_ServiceRequests : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void requestsFromAnotherThreadArriveQueuedOnTheReceiversThread()
    {
        ServiceRequests requests;
        QObject receiver;
        int stops = 0;
        int reloads = 0;
        QThread *stopThread = nullptr;
        connect(&requests, &ServiceRequests::stop, &receiver, [&] {
            ++stops;
            stopThread = QThread::currentThread();
        });
        connect(&requests, &ServiceRequests::reload, &receiver, [&] { ++reloads; });

        ServiceEvents &events = requests;
        std::thread controlThread([&events] {
            events.reloadRequested();
            events.reloadRequested();
            events.stopRequested();
        });
        controlThread.join();
        // Queued: nothing has run before the event loop turns.
        QCOMPARE(stops, 0);
        QCOMPARE(reloads, 0);
        QTRY_COMPARE(stops, 1);
        QCOMPARE(reloads, 2);
        QCOMPARE(stopThread, QThread::currentThread());
    }
};

QTEST_GUILESS_MAIN(tst_ServiceRequests)
#include "tst_ServiceRequests.moc"
