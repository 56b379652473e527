#include "log/LogField.h"

#include <algorithm>

namespace aap::log {

QString LogField::quoted(const QString &value)
{
    const bool plain = !value.isEmpty() && std::none_of(value.cbegin(), value.cend(), [](QChar c) {
        return c.isSpace() || c == u'"' || c == u'=' || c == u'\\' || c.category() == QChar::Other_Control;
    });
    if (plain) {
        return value;
    }
    QString out;
    out.reserve(value.size() + 2);
    out += u'"';
    for (const QChar c : value) {
        if (c == u'"' || c == u'\\') {
            out += u'\\';
        }
        out += c;
    }
    out += u'"';
    return out;
}

QString LogField::kv(const char *key, const QString &value)
{
    return QLatin1String(key) + u'=' + quoted(value);
}

QString LogField::kv(const char *key, const QByteArray &value)
{
    return kv(key, QString::fromUtf8(value));
}

QString LogField::kv(const char *key, const char *value)
{
    return kv(key, QString::fromUtf8(value));
}

} // namespace aap::log
