#include "app/windows/WindowsServiceHost.h"

#include "app/ServiceRunner.h"
#include "log/Logging.h"
#include "platform/windows/WindowsServiceInstaller.h"

#include <string>
#include <vector>

#include <gsl/narrow>

namespace aap::app {

namespace {

using platform::windows::EventLevel;

// The SCM's patience: the start waits for the first bind; the stop for the drain (drain_timeout,
// 30 s by default), with a checkpoint every second.
constexpr std::uint32_t kStartWaitHintMs = 30'000;
constexpr std::uint32_t kStopWaitHintMs = 10'000;
constexpr int kStopProgressMs = 1'000;

EventLevel eventLevel(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
    case QtInfoMsg:
        return EventLevel::Information;
    case QtWarningMsg:
        return EventLevel::Warning;
    case QtCriticalMsg:
    case QtFatalMsg:
        return EventLevel::Error;
    }
    return EventLevel::Error;
}

} // namespace

std::optional<int> WindowsServiceHost::runSubcommand(const QStringList &arguments)
{
    std::vector<std::wstring> wide;
    wide.reserve(gsl::narrow<std::size_t>(arguments.size()));
    for (const QString &argument : arguments)
        wide.push_back(argument.toStdWString());
    std::vector<wchar_t *> argv;
    for (std::wstring &argument : wide)
        argv.push_back(argument.data());
    argv.push_back(nullptr);
    return platform::windows::WindowsServiceInstaller::runSubcommand(gsl::narrow<int>(wide.size()),
                                                                     argv.data());
}

WindowsServiceHost::WindowsServiceHost() : m_service({.startMs = kStartWaitHintMs, .stopMs = kStopWaitHintMs})
{
    m_stopProgress.setInterval(kStopProgressMs);
    QObject::connect(&m_stopProgress, &QTimer::timeout, &m_requests, [this] { m_service.reportProgress(); });
}

WindowsServiceHost::~WindowsServiceHost()
{
    // The sink reads m_eventLog.
    log::setLineSink({});
}

bool WindowsServiceHost::connect()
{
    m_connected = m_service.connect(m_requests);
    if (m_connected) {
        log::setLineSink([this](QtMsgType type, const QString &line) {
            if (type != QtDebugMsg)
                m_eventLog.write(eventLevel(type), line.toStdWString());
        });
    }
    return m_connected;
}

void WindowsServiceHost::attach(ServiceRunner &runner)
{
    if (!m_connected)
        return;
    QObject::connect(&m_requests, &platform::ServiceRequests::stop, &runner, [this, &runner] {
        m_stopProgress.start();
        runner.shutdown();
    });
    QObject::connect(&m_requests, &platform::ServiceRequests::reload, &runner,
                     [&runner] { runner.reload(); });
}

void WindowsServiceHost::reportRunning()
{
    if (m_connected)
        m_service.reportRunning();
}

void WindowsServiceHost::reportStopped(int exitCode)
{
    m_stopProgress.stop();
    if (m_connected)
        m_service.reportStopped(exitCode);
}

} // namespace aap::app
