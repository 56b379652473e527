#include "ipc/ControlEndpoint.h"

namespace aap::ipc {

using namespace Qt::StringLiterals;

QString ControlEndpoint::defaultName()
{
#ifdef Q_OS_WIN
    return u"aad-auth-proxy-control"_s;
#else
    return u"/run/aad-auth-proxy/control.sock"_s;
#endif
}

QString ControlEndpoint::resolve(const config::ControlConfig &control)
{
    return control.socketPath.isEmpty() ? defaultName() : control.socketPath;
}

QString ControlEndpoint::adminGroup()
{
    return u"aad-auth-proxy-admin"_s;
}

} // namespace aap::ipc
