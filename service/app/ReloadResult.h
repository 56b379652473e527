#pragma once

#include <QString>
#include <QStringList>

namespace aap::app {

// What a reload did, for the log, the service manager's STATUS line and the control socket's
// "config apply" answer. Messages name settings and origins, never a secret's value.
struct ReloadResult {
    bool applied = false;
    QStringList errors;   // why the new configuration was rejected (the old one keeps running)
    QStringList warnings; // issues of an applied configuration
    int routes = 0;
    int tokenCachesKept = 0; // unchanged identities: token and refresh schedule carried over
    int tokenCachesNew = 0;
    bool listenerRebound = false; // the listener settings changed and a new socket was bound
};

} // namespace aap::app
