#include "proxy/PendingDescriptor.h"

#include <utility>

#ifdef Q_OS_UNIX
#include <unistd.h>
#elif defined(Q_OS_WIN)
#include <winsock2.h>
#endif

namespace aap::proxy {

PendingDescriptor::~PendingDescriptor()
{
    const qintptr descriptor = m_descriptor.load();
    if (descriptor < 0) {
        return;
    }
#ifdef Q_OS_UNIX
    ::close(static_cast<int>(descriptor));
#elif defined(Q_OS_WIN)
    ::closesocket(static_cast<SOCKET>(descriptor));
#endif
}

qintptr PendingDescriptor::take()
{
    return m_descriptor.exchange(-1);
}

} // namespace aap::proxy
