#pragma once

#include "http/MessageHead.h"

namespace aap::http {

// A parsed, validated upstream response head. Filled by ResponseHeadParser.
class ResponseHead : public MessageHead {
public:
    int status() const { return m_status; }
    QByteArrayView reason() const { return view(m_reason); }
    // 1xx other than 101: another head follows on the same connection (the proxy parses again).
    bool isInterim() const { return m_status >= 100 && m_status < 200; }

private:
    friend class ResponseHeadParser;

    int m_status = 0;
    ByteRange m_reason;
};

} // namespace aap::http
