#include "control/ControlServer.h"

#include "control/ControlHandler.h"
#include "control/ControlSession.h"
#include "ipc/ControlEndpoint.h"
#include "ipc/ControlError.h"
#include "ipc/MessageTypes.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QDir>
#include <QFileInfo>
#include <QLocalSocket>

#ifdef Q_OS_LINUX
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>
#endif

namespace aap::control {

using namespace Qt::StringLiterals;

namespace {

constexpr int kProbeTimeoutMs = 500;

#ifdef Q_OS_LINUX
// The admin group when it exists, else the service's own group.
gid_t socketGroup(const QString &adminGroup, bool &isAdminGroup)
{
    group entry{};
    group *found = nullptr;
    std::vector<char> buffer(16384);
    const QByteArray name = adminGroup.toLocal8Bit();
    isAdminGroup =
        ::getgrnam_r(name.constData(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr;
    return isAdminGroup ? found->gr_gid : ::getegid();
}

Expected<void, QString> restrictSocket(const QString &path, const QString &adminGroup)
{
    const QByteArray native = QFile::encodeName(path);
    bool isAdminGroup = false;
    const gid_t gid = socketGroup(adminGroup, isAdminGroup);
    if (::chown(native.constData(), static_cast<uid_t>(-1), gid) != 0)
        return Unexpected(u"cannot give the control socket %1 to group %2: %3"_s.arg(path).arg(gid).arg(
            QString::fromLocal8Bit(std::strerror(errno))));
    if (::chmod(native.constData(), 0660) != 0)
        return Unexpected(u"cannot set the mode of the control socket %1: %2"_s.arg(
            path, QString::fromLocal8Bit(std::strerror(errno))));
    qCInfo(lcIpc).noquote() << "control socket listening" << log::LogField::kv("path", path)
                            << log::LogField::kv("group", isAdminGroup ? adminGroup : QString::number(gid));
    return {};
}
#endif

} // namespace

ControlServer::ControlServer(ControlHandler &handler, QObject *parent)
    : QObject(parent), m_handler(handler), m_adminGroup(ipc::ControlEndpoint::adminGroup())
{
    connect(&m_server, &QLocalServer::newConnection, this, &ControlServer::onNewConnection);
    m_pushTimer.setInterval(1000);
    connect(&m_pushTimer, &QTimer::timeout, this, &ControlServer::pushStatus);
}

ControlServer::~ControlServer()
{
    close();
}

Expected<void, QString> ControlServer::listen(const QString &name)
{
#ifdef Q_OS_WIN
    // No socket options: the pipe gets Windows' default descriptor for named pipes (full control
    // for LocalSystem, Administrators and the creator owner, the service account; read-only for
    // Everyone, which cannot open it for the read-write QLocalSocket needs). Qt's access options
    // would build a DACL of the service account and its primary group, which leaves Administrators
    // out. ControlSession also checks each client's token at hello (PipeClientAccess).
    m_server.setSocketOptions(QLocalServer::NoOptions);
#else
    const QFileInfo info(name);
    if (!QDir().mkpath(info.absolutePath()))
        return Unexpected(u"cannot create the control socket's directory %1"_s.arg(info.absolutePath()));
    // A socket file left by a previous run (a crash, SIGKILL) would make listen() fail; one that
    // a running instance still answers on is not taken from it.
    if (QFileInfo::exists(name)) {
        QLocalSocket probe;
        probe.connectToServer(name);
        if (probe.waitForConnected(kProbeTimeoutMs))
            return Unexpected(u"another process already serves the control socket %1"_s.arg(name));
        QLocalServer::removeServer(name);
    }
#endif
    m_server.setMaxPendingConnections(kMaxClients);
    if (!m_server.listen(name))
        return Unexpected(u"cannot listen on the control socket %1: %2"_s.arg(name, m_server.errorString()));
#ifdef Q_OS_LINUX
    m_socketPath = m_server.fullServerName();
    if (auto restricted = restrictSocket(m_socketPath, m_adminGroup); !restricted) {
        m_server.close();
        return restricted;
    }
#endif
    m_pushTimer.start();
    return {};
}

void ControlServer::close()
{
    m_pushTimer.stop();
    for (ControlSession *session : std::as_const(m_sessions)) {
        session->disconnect(this);
        delete session;
    }
    m_sessions.clear();
    if (m_server.isListening())
        m_server.close(); // removes the socket file on Unix
}

void ControlServer::onNewConnection()
{
    while (QLocalSocket *socket = m_server.nextPendingConnection()) {
        auto *session = new ControlSession(socket, m_handler, m_adminGroup, this);
        connect(session, &ControlSession::closed, this, [this](ControlSession *closed) {
            m_sessions.removeOne(closed);
            closed->deleteLater();
        });
        if (m_sessions.size() >= kMaxClients) {
            qCWarning(lcIpc).noquote()
                << "control client refused" << log::LogField::kv("clients", m_sessions.size());
            m_sessions.append(session);
            session->refuse(ipc::errors::kFailed,
                            u"too many control clients (%1); close another configurator"_s.arg(kMaxClients));
            continue;
        }
        m_sessions.append(session);
    }
}

void ControlServer::pushStatus()
{
    // takeChanged() also samples the rates each second, with or without subscribers.
    const bool changed = m_handler.takeChanged();
    if (!changed)
        return;
    bool anySubscriber = false;
    for (const ControlSession *session : std::as_const(m_sessions))
        anySubscriber = anySubscriber || session->subscribed();
    if (!anySubscriber)
        return;
    const ipc::ControlMessage push = ipc::ControlMessage::push(ipc::types::kStatusPush, m_handler.status());
    // A copy: send() can close a session, which removes it from m_sessions.
    const QList<ControlSession *> sessions = m_sessions;
    for (ControlSession *session : sessions) {
        if (session->subscribed())
            session->send(push);
    }
}

} // namespace aap::control
