#pragma once

#include "http/MessageHead.h"

namespace aap::http {

// A parsed, validated request head. Filled by RequestHeadParser; reuse one object per connection.
class RequestHead : public MessageHead {
public:
    QByteArrayView method() const { return view(m_method); }
    // The request-target exactly as sent.
    QByteArrayView target() const { return view(m_target); }
    TargetForm targetForm() const { return m_targetForm; }
    // Absolute-form only: the authority (host[:port]) the client named, to be checked by the proxy
    // against the configured listener (this is never an open proxy). Empty for other forms.
    QByteArrayView authority() const { return view(m_authority); }
    // Path and query to forward, byte-identical to what was sent. Origin-form: the whole target.
    // Absolute-form: the part after the authority, which may be empty or start with '?'.
    // Asterisk-form: "*".
    QByteArrayView pathAndQuery() const { return view(m_pathAndQuery); }
    // The Host field value (empty if absent, allowed for HTTP/1.0 only).
    QByteArrayView host() const { return view(m_host); }
    bool hasHost() const { return m_hasHost; }
    // Expect: 100-continue was sent by an HTTP/1.1 client: answer 100 Continue before reading the body.
    bool expectContinue() const { return m_expectContinue; }
    bool isHead() const { return method() == QByteArrayView("HEAD"); }
    // The first traceparent field's value (W3C Trace Context); empty if none.
    QByteArrayView traceparent() const { return view(m_traceparent); }

private:
    friend class RequestHeadParser;

    ByteRange m_method;
    ByteRange m_target;
    ByteRange m_authority;
    ByteRange m_pathAndQuery;
    ByteRange m_host;
    ByteRange m_traceparent;
    TargetForm m_targetForm = TargetForm::Origin;
    bool m_hasHost = false;
    bool m_expectContinue = false;
};

} // namespace aap::http
