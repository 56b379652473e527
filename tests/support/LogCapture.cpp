#include "support/LogCapture.h"

namespace aap::test {

LogCapture::LogCapture() : m_previous(qInstallMessageHandler(&LogCapture::handler))
{
    s_lines.clear();
}

LogCapture::~LogCapture()
{
    qInstallMessageHandler(m_previous);
}

void LogCapture::handler(QtMsgType /*type*/, const QMessageLogContext & /*context*/, const QString &message)
{
    s_lines << message;
}

} // namespace aap::test
