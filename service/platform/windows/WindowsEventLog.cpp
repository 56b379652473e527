#include "platform/windows/WindowsEventLog.h"

#include "platform/windows/WindowsServiceNames.h"

#include <windows.h>

#include "EventMessages.h"

#include <string>

namespace aap::platform::windows {

WindowsEventLog::WindowsEventLog() : m_source(RegisterEventSourceW(nullptr, kServiceName)) {}

WindowsEventLog::~WindowsEventLog()
{
    if (m_source != nullptr)
        DeregisterEventSource(m_source);
}

bool WindowsEventLog::write(EventLevel level, std::wstring_view text)
{
    if (m_source == nullptr)
        return false;
    WORD type = EVENTLOG_INFORMATION_TYPE;
    if (level == EventLevel::Warning)
        type = EVENTLOG_WARNING_TYPE;
    else if (level == EventLevel::Error)
        type = EVENTLOG_ERROR_TYPE;
    const std::wstring message(text);
    const wchar_t *strings[] = {message.c_str()};
    return ReportEventW(m_source, type, 0, AAP_EVENT_TEXT, nullptr, 1, 0, strings, nullptr) != FALSE;
}

} // namespace aap::platform::windows
