#pragma once

#include <QByteArrayView>

namespace aap::http {

// Dot-segments ("." and "..", RFC 3986 section 5.2.4) in a request path, raw or percent-encoded.
// The proxy forwards the path as received, but a target that normalises it would resolve
// "/../../admin" above the route's base path (https://host/base/dcr-1 + /../admin -> /base/admin):
// such paths are refused instead of forwarded.
class DotSegments {
public:
    // True when the segments after the first `prefixLength` bytes of `path` (a path without query)
    // climb above that prefix at any point. "%2e" counts as '.', "%2f" as '/'.
    [[nodiscard]] static bool climbAbovePrefix(QByteArrayView path, qsizetype prefixLength);
};

} // namespace aap::http
