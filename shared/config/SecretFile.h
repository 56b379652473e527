#pragma once

#include "config/Secret.h"
#include "core/Expected.h"

#include <QList>
#include <QString>

namespace aap::config {

// Secrets kept in files (AAD_CLIENT_SECRET_FILE, ..._PASSWORD_FILE, INBOUND_API_KEYS_FILE) so they
// stay out of the environment and the command line. Messages name the file, never its contents.
class SecretFile {
public:
    // Who besides the owner may touch a file that holds a secret or a private key.
    enum class Exposure { Private, ReadableByOthers, WritableByOthers };

    // The whole file without the trailing line break.
    [[nodiscard]] static Expected<Secret, QString> read(const QString &path);
    // `value` when `path` is empty, otherwise the file's contents.
    [[nodiscard]] static Expected<Secret, QString> resolve(const Secret &value, const QString &path);
    // One key per non-empty line (surrounding blanks trimmed; lines starting with '#' skipped).
    [[nodiscard]] static Expected<QList<Secret>, QString> readLines(const QString &path);
    // From the file's permission bits ("others" = neither owner nor group); Private on Windows,
    // where ACLs decide and the installer sets them.
    [[nodiscard]] static Exposure exposure(const QString &path);
};

} // namespace aap::config
