#include "proxy/RouteTable.h"

#include <algorithm>

namespace aap::proxy {

RouteTable::RouteTable(const QList<QByteArray> &prefixes)
{
    for (qsizetype i = 0; i < prefixes.size(); ++i) {
        QByteArray prefix = prefixes[i];
        if (prefix.isNull()) {
            continue;
        }
        if (prefix.isEmpty() || !prefix.startsWith('/')) {
            prefix.prepend('/');
        }
        while (prefix.size() > 1 && prefix.endsWith('/')) {
            prefix.chop(1);
        }
        m_prefixLengths.append(prefix.size() == 1 ? 0 : prefix.size());
        m_entries.append({prefix, i});
    }
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const Entry &a, const Entry &b) { return a.prefix.size() > b.prefix.size(); });
}

qsizetype RouteTable::prefixLength(qsizetype index) const
{
    return m_prefixLengths.value(index);
}

std::optional<qsizetype> RouteTable::match(QByteArrayView path) const
{
    for (const auto &entry : m_entries) {
        if (entry.prefix.size() == 1) {
            return entry.index;
        }
        if (path.startsWith(entry.prefix) &&
            (path.size() == entry.prefix.size() || path[entry.prefix.size()] == '/')) {
            return entry.index;
        }
    }
    return std::nullopt;
}

} // namespace aap::proxy
