#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

namespace aap::proxy {

// Longest-prefix match of a request path onto route indexes. A prefix matches at a segment
// boundary: "/api" matches "/api" and "/api/x" but not "/apix"; "/" matches everything.
class RouteTable {
public:
    // A null prefix (QByteArray()) leaves its route out: it is reached another way (its own port).
    explicit RouteTable(const QList<QByteArray> &prefixes);

    [[nodiscard]] std::optional<qsizetype> match(QByteArrayView path) const;
    // Bytes of a matching path that the route's prefix covers (0 for "/", which every path shares).
    [[nodiscard]] qsizetype prefixLength(qsizetype index) const;

private:
    struct Entry {
        QByteArray prefix; // without a trailing '/', except "/" itself
        qsizetype index;
    };
    QList<Entry> m_entries;           // longest prefix first
    QList<qsizetype> m_prefixLengths; // by route index
};

} // namespace aap::proxy
