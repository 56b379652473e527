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
    if (m_descriptor < 0) {
        return;
    }
#ifdef Q_OS_UNIX
    ::close(static_cast<int>(m_descriptor));
#elif defined(Q_OS_WIN)
    ::closesocket(static_cast<SOCKET>(m_descriptor));
#endif
}

qintptr PendingDescriptor::take()
{
    return std::exchange(m_descriptor, -1);
}

} // namespace aap::proxy
