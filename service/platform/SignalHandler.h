#pragma once

#include <QObject>

class QSocketNotifier;

namespace aap::platform {

// Turns SIGTERM/SIGINT into a Qt signal on the thread that created this object. The POSIX handler
// only writes the signal number to a self-pipe; everything else runs in the event loop. One
// instance per process.
class SignalHandler : public QObject {
    Q_OBJECT

public:
    explicit SignalHandler(QObject *parent = nullptr);
    ~SignalHandler() override;

    // Installs the handlers; false (with a warning logged) when the pipe cannot be created.
    bool install();

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    bool m_installed = false;
};

} // namespace aap::platform
