#pragma once

#include <QObject>

class QSocketNotifier;

namespace aap::platform {

// Turns SIGTERM/SIGINT (stop) and SIGHUP (reload) into Qt signals on the thread that created this
// object; SIGUSR1/SIGUSR2 are only logged, so a stray `kill -USR1` never ends the service. The POSIX
// handler only writes the signal number to a self-pipe; everything else runs in the event loop.
// One instance per process.
class SignalHandler : public QObject {
    Q_OBJECT

public:
    explicit SignalHandler(QObject *parent = nullptr);
    ~SignalHandler() override;

    // Installs the handlers; false (with a warning logged) when the pipe cannot be created.
    bool install();

Q_SIGNALS:
    void terminationRequested(int signalNumber);
    void reloadRequested();

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    bool m_installed = false;
};

} // namespace aap::platform
