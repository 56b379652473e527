#include "proxy/SocketHandOver.h"

#include <QAbstractSocket>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#endif

namespace aap::proxy {

qintptr SocketHandOver::duplicate(const QAbstractSocket &socket)
{
#ifdef Q_OS_UNIX
    return ::fcntl(static_cast<int>(socket.socketDescriptor()), F_DUPFD_CLOEXEC, 0);
#else
    Q_UNUSED(socket);
    return -1;
#endif
}

} // namespace aap::proxy
