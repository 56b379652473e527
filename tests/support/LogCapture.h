#pragma once

#include <QStringList>
#include <QtGlobal>

namespace aap::test {

// Collects every message logged (any category and level) while it lives, then restores the previous
// handler. One at a time: Qt has a single message handler.
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;
    LogCapture(LogCapture &&) = delete;
    LogCapture &operator=(LogCapture &&) = delete;

    [[nodiscard]] static const QStringList &lines() { return s_lines; }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &message);

    static inline QStringList s_lines;
    QtMessageHandler m_previous = nullptr;
};

} // namespace aap::test
