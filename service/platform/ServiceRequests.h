#pragma once

#include "platform/ServiceEvents.h"

#include <QObject>

namespace aap::platform {

// Brings a service manager's requests, which arrive on its own control thread (Windows' SCM), into
// Qt: each becomes a signal, delivered queued to receivers on their own thread, as SignalHandler
// does for POSIX signals. Safe to call from any thread.
class ServiceRequests : public QObject, public ServiceEvents {
    Q_OBJECT

public:
    explicit ServiceRequests(QObject *parent = nullptr);

    void stopRequested() override;
    void reloadRequested() override;

Q_SIGNALS:
    void stop();
    void reload();
};

} // namespace aap::platform
