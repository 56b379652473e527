#pragma once

#include <QByteArray>
#include <QString>

#include <concepts>

namespace aap::log {

// One `key=value` field of a log line. Values that would break the format (empty, or holding a
// space, a quote, a '=' or a control character) are written in double quotes with '"' and '\'
// escaped, so a line can be split into fields mechanically:
//   qCInfo(lcProxy).noquote() << "listening" << LogField::kv("address", address) << ...
class LogField {
public:
    [[nodiscard]] static QString kv(const char *key, const QString &value);
    [[nodiscard]] static QString kv(const char *key, const QByteArray &value);
    [[nodiscard]] static QString kv(const char *key, const char *value);
    template <std::integral T> [[nodiscard]] static QString kv(const char *key, T value)
    {
        return kv(key, QString::number(value));
    }
    [[nodiscard]] static QString kv(const char *key, bool value) = delete; // say "yes"/"no" explicitly

    // The value as kv() writes it.
    [[nodiscard]] static QString quoted(const QString &value);
};

} // namespace aap::log
