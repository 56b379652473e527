#include "proxy/Acceptor.h"

#include "log/LogField.h"
#include "log/Logging.h"

#include <QSocketNotifier>

#include <gsl/narrow>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace aap::proxy {

namespace {

// Accepts per readiness notification, so one busy listener cannot starve the rest of the loop.
constexpr int kAcceptBatch = 64;

} // namespace

Acceptor::Acceptor(Hooks hooks, Clock &clock, QObject *parent)
    : QTcpServer(parent), m_hooks(std::move(hooks)), m_clock(clock), m_exhaustedLog(clock)
{}

Acceptor::~Acceptor()
{
    stop();
}

bool Acceptor::start(const QHostAddress &address, quint16 port)
{
    if (!listen(address, port)) {
        return false;
    }
#ifdef Q_OS_UNIX
    // Qt's own notifier stays off; ours owns the accept loop.
    pauseAccepting();
    m_reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    m_notifier = new QSocketNotifier(socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &Acceptor::acceptPending);
#endif
    return true;
}

void Acceptor::stop()
{
    if (m_resumeTimer != 0) {
        m_clock.cancel(m_resumeTimer);
        m_resumeTimer = 0;
    }
    delete m_notifier;
    m_notifier = nullptr;
#ifdef Q_OS_UNIX
    if (m_reserve >= 0) {
        ::close(m_reserve);
        m_reserve = -1;
    }
#endif
    close();
}

void Acceptor::incomingConnection(qintptr descriptor)
{
    m_hooks.handOff(descriptor);
}

void Acceptor::acceptPending()
{
#ifdef Q_OS_UNIX
    for (int i = 0; i < kAcceptBatch; ++i) {
        const int descriptor =
            ::accept4(gsl::narrow<int>(socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC);
        if (descriptor >= 0) {
            m_pausedBefore = false;
            m_hooks.handOff(descriptor);
            continue;
        }
        switch (errno) {
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
            continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            onExhausted();
            return;
        default:
            // EAGAIN: the backlog is empty. Anything else is not ours to fix by retrying at once.
            return;
        }
    }
#endif
}

void Acceptor::onExhausted()
{
    m_hooks.exhausted();
    const std::uint64_t shed = m_hooks.shedTotal();
    if (m_pausedBefore && shed == m_shedAtPause) {
        // The last pause freed nothing: every connection is busy. Answer one waiting client (by
        // closing it) rather than let the backlog hold it until its own time-out.
        rejectOnePending();
    }
    if (const auto suppressed = m_exhaustedLog.admit()) {
        qCWarning(lcProxy).noquote()
            << "descriptor limit reached; closing idle connections and pausing accept"
            << log::LogField::kv("pause_ms", kExhaustedPause.count())
            << log::LogField::kv("suppressed", *suppressed);
    }
    m_pausedBefore = true;
    m_shedAtPause = shed;
    m_hooks.shedIdle();
    m_notifier->setEnabled(false);
    m_resumeTimer = m_clock.startTimer(kExhaustedPause, [this] { resume(); });
}

void Acceptor::resume()
{
    m_resumeTimer = 0;
    if (m_notifier != nullptr) {
        m_notifier->setEnabled(true);
        acceptPending();
    }
}

void Acceptor::rejectOnePending()
{
#ifdef Q_OS_UNIX
    if (m_reserve < 0) {
        return;
    }
    ::close(m_reserve);
    m_reserve = -1;
    const int descriptor = ::accept4(gsl::narrow<int>(socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC);
    if (descriptor >= 0) {
        ::close(descriptor);
        m_hooks.rejected();
    }
    m_reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
#endif
}

} // namespace aap::proxy
