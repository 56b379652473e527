#pragma once

#include <string_view>

namespace aap::platform::windows {

enum class EventLevel { Information, Warning, Error };

// Writes to the Application log under the event source that `install` registers. Without a
// registered source Windows still records the events, with a "description not found" preamble.
class WindowsEventLog {
public:
    WindowsEventLog();
    ~WindowsEventLog();
    WindowsEventLog(const WindowsEventLog &) = delete;
    WindowsEventLog &operator=(const WindowsEventLog &) = delete;

    [[nodiscard]] bool isOpen() const { return m_source != nullptr; }
    bool write(EventLevel level, std::wstring_view text);

private:
    void *m_source = nullptr;
};

} // namespace aap::platform::windows
