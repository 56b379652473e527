#include "platform/ServiceNotifier.h"

#include "log/LogField.h"
#include "log/Logging.h"

#ifdef Q_OS_LINUX
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#endif

namespace aap::platform {

namespace {

// STATUS= is one line: a newline would start a new assignment.
QByteArray statusLine(const QString &text)
{
    QByteArray line = text.toUtf8();
    line.replace('\n', ' ');
    return "STATUS=" + line;
}

} // namespace

ServiceNotifier::ServiceNotifier(const QProcessEnvironment &environment, qint64 pid)
{
#ifdef Q_OS_LINUX
    const QByteArray path = environment.value(QStringLiteral("NOTIFY_SOCKET")).toLocal8Bit();
    if (path.isEmpty()) {
        return;
    }
    if ((path.front() != '/' && path.front() != '@') ||
        path.size() >= static_cast<qsizetype>(sizeof(sockaddr_un::sun_path))) {
        qCWarning(lcPlatform).noquote() << "NOTIFY_SOCKET ignored: not a usable socket address"
                                        << log::LogField::kv("value", QString::fromLocal8Bit(path));
        return;
    }
    m_socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (m_socket < 0) {
        qCWarning(lcPlatform).noquote()
            << "notification socket failed"
            << log::LogField::kv("error", QString::fromLocal8Bit(std::strerror(errno)));
        return;
    }
    m_address = path;
    bool ok = false;
    const qint64 usec = environment.value(QStringLiteral("WATCHDOG_USEC")).toLongLong(&ok);
    const QString watchdogPid = environment.value(QStringLiteral("WATCHDOG_PID"));
    if (ok && usec > 0 && (watchdogPid.isEmpty() || watchdogPid.toLongLong() == pid)) {
        m_watchdog = std::chrono::microseconds{usec};
    }
#else
    Q_UNUSED(environment);
    Q_UNUSED(pid);
#endif
}

ServiceNotifier::~ServiceNotifier()
{
#ifdef Q_OS_LINUX
    if (m_socket >= 0) {
        ::close(m_socket);
    }
#endif
}

void ServiceNotifier::ready(const QString &status)
{
    send("READY=1\n" + statusLine(status));
}

void ServiceNotifier::reloading()
{
#ifdef Q_OS_LINUX
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const qint64 usec = qint64{now.tv_sec} * 1'000'000 + now.tv_nsec / 1'000;
    send("RELOADING=1\nMONOTONIC_USEC=" + QByteArray::number(usec));
#endif
}

void ServiceNotifier::stopping()
{
    send("STOPPING=1");
}

void ServiceNotifier::status(const QString &text)
{
    send(statusLine(text));
}

void ServiceNotifier::watchdog()
{
    send("WATCHDOG=1");
}

bool ServiceNotifier::send(const QByteArray &message)
{
#ifdef Q_OS_LINUX
    if (m_socket < 0) {
        return false;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, m_address.constData(), static_cast<std::size_t>(m_address.size()));
    if (address.sun_path[0] == '@') {
        address.sun_path[0] = '\0';
    }
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + static_cast<std::size_t>(m_address.size()));
    const ssize_t sent = ::sendto(m_socket, message.constData(), static_cast<std::size_t>(message.size()),
                                  MSG_NOSIGNAL, reinterpret_cast<const sockaddr *>(&address), length);
    if (sent < 0) {
        qCWarning(lcPlatform).noquote()
            << "service manager notification failed"
            << log::LogField::kv("error", QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
#else
    Q_UNUSED(message);
    return false;
#endif
}

} // namespace aap::platform
