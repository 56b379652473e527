#pragma once

#include "http/RequestHead.h"
#include "http/ResponseHead.h"
#include "http/UpstreamTarget.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace aap::http {

// How the response body travels from upstream to the client.
enum class DownstreamBody {
    None,    // no body (HEAD, 1xx, 204, 304, Content-Length: 0)
    Raw,     // forward the upstream body bytes unchanged: Content-Length bytes, until close, or for
             // chunked the exact bytes a ChunkedDecoder consumed up to its Complete
    Dechunk, // HTTP/1.0 client and a chunked response: write only the decoded payload; the end of
             // the body is marked by closing the client connection
};

struct ResponsePlan {
    bool forwardHead = true; // false: an interim 1xx for an HTTP/1.0 client, which must not see it
    DownstreamBody body = DownstreamBody::None;
    bool closeDownstream = false; // close the client connection after this response
};

// What a route changes in every request on top of the forwarding rules.
struct RequestEdits {
    QByteArray stripPrefix;                               // removed from the start of the path
    QList<QByteArray> removedHeaders;                     // incoming fields dropped
    QList<QPair<QByteArray, QByteArray>> overrideHeaders; // set on every request, replacing incoming ones
};

// Builds the head bytes sent upstream and downstream (RFC 9110 section 7.6 forwarding rules).
// Both directions drop hop-by-hop fields: Connection and every field it names, Keep-Alive,
// Proxy-Connection, Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade. Every other field
// keeps its place, name and value byte-identical. Appends to caller buffers; no other allocation.
class HeadRewriter {
public:
    explicit HeadRewriter(const UpstreamTarget &target, RequestEdits edits = {});

    // The Host value sent upstream: host[:port], port omitted when default, IPv6 in brackets.
    const QByteArray &upstreamHost() const { return m_host; }

    // Upstream request: "<method> <basePath><path?query> HTTP/1.1", Host replaced, the client's
    // Authorization replaced by `authorization` (e.g. "Bearer ..."; omitted when empty),
    // X-Forwarded-For appended with `clientAddress`, X-Forwarded-Proto set to `forwardedProto`
    // ("http"/"https"), X-Forwarded-Host set to the client's Host (absolute-form: its authority).
    // Content-Length is kept; a chunked body is announced as chunked again (send it re-chunked or
    // as the validated raw chunk bytes). HTTP/1.1 default keep-alive: no Connection field.
    // A non-empty `traceparent` replaces the client's traceparent fields (tracing continues through
    // this proxy); tracestate is kept as it came.
    void appendUpstreamRequest(const RequestHead &request, QByteArrayView authorization,
                               QByteArrayView clientAddress, QByteArrayView forwardedProto, QByteArray &out,
                               QByteArrayView traceparent = {}) const;

    // Decides the client-side framing for `response` to `request`. `proxyWillClose`: the proxy
    // closes the client connection after this response anyway (draining, error budget...).
    static ResponsePlan planResponse(const ResponseHead &response, const RequestHead &request,
                                     bool proxyWillClose);

    // Downstream response head: "HTTP/1.1 <status> <reason>", hop-by-hop fields removed, others kept,
    // Transfer-Encoding: chunked when the body is forwarded Raw chunked, Connection: close when
    // plan.closeDownstream, Connection: keep-alive for a persistent HTTP/1.0 client.
    static void appendDownstreamResponse(const ResponseHead &response, const RequestHead &request,
                                         const ResponsePlan &plan, QByteArray &out);

    // True for the fixed hop-by-hop field names (case-insensitive).
    static bool isHopByHop(QByteArrayView name);

private:
    [[nodiscard]] bool removedByRoute(QByteArrayView name) const;
    [[nodiscard]] QByteArrayView strippedPath(QByteArrayView pathAndQuery) const;

    QByteArray m_host;
    QByteArray m_basePath;
    RequestEdits m_edits;
    qsizetype m_overrideBytes = 0;
};

} // namespace aap::http
