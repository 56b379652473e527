#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QString>

namespace aap::config {

// Parses TARGET_HOST. Accepted forms: "host", "host:port", "ip:port", "[ipv6]:port",
// "https://host[:port]", "http://host[:port]" (plain http only when written explicitly), each
// optionally followed by a base path ("https://host/prefix") that is prefixed to every forwarded
// request path. Default scheme https; default ports 443 (https) and 80 (http).
class TargetHostParser {
public:
    [[nodiscard]] static Expected<TargetUrl, QString> parse(const QString &text);
};

} // namespace aap::config
