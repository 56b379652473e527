#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace aap::http {

// Where requests are forwarded, as the head rewriter needs it.
struct UpstreamTarget {
    QByteArray scheme = QByteArrayLiteral("https"); // "https" or "http"
    QByteArray host;     // DNS name or IP literal; an IPv6 address without brackets
    quint16 port = 0;    // 0 or the scheme's default port: omitted from Host
    QByteArray basePath; // prefix for every forwarded path ("/prom"), may be empty
};

} // namespace aap::http
