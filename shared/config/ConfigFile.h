#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace aap::config {

// An INI-style configuration file kept line by line, so that a program can change values and write
// the file back with every comment, blank line, unknown key and the order untouched.
//
//   # comment            ; comment        (whole lines only: '#' and ';' inside values are kept)
//   [listener]                            section
//   [route "query"]  or  [route.query]    section with a name
//   port = 8081                           key = value; spaces around both are trimmed
//   audience = "  quoted  "               double quotes keep spaces; \" and \\ escape
class ConfigFile {
public:
    struct Entry {
        QString section; // lower case: "listener", "route"
        QString name;    // section name, "" for [route] without one
        QString key;     // lower case
        QString value;   // unquoted
        int line = 0;    // 1-based
    };
    struct Problem {
        int line = 0;
        QString message;
    };

    [[nodiscard]] static ConfigFile parse(const QString &text);

    [[nodiscard]] const QList<Entry> &entries() const { return m_entries; }
    [[nodiscard]] const QList<Problem> &problems() const { return m_problems; }
    // The last value of section/name/key (a later line overrides an earlier one).
    [[nodiscard]] std::optional<Entry> find(const QString &section, const QString &name,
                                            const QString &key) const;

    // Changes the value in place (every occurrence), or adds the key at the end of its section,
    // creating the section at the end of the file when needed.
    void setValue(const QString &section, const QString &name, const QString &key, const QString &value);
    // Removes every line that sets section/name/key; returns whether one existed.
    bool removeValue(const QString &section, const QString &name, const QString &key);

    // Removes every block of [section "name"]: its header and every line up to the next section
    // (the block's own comments and unknown keys go with it); returns whether one existed.
    bool removeSection(const QString &section, const QString &name);

    [[nodiscard]] QString toText() const;

    // [route "name"] for a name, [route] without.
    [[nodiscard]] static QString sectionHeader(const QString &section, const QString &name);
    // The value as written in a file: quoted when it would not survive trimming.
    [[nodiscard]] static QString quoteValue(const QString &value);

private:
    enum class LineKind { Other, Section, KeyValue };
    struct Line {
        QString text;
        LineKind kind = LineKind::Other;
        QString section; // for Section and KeyValue lines: the section they belong to
        QString name;
        QString key;
    };

    void reindex();

    QList<Line> m_lines;
    QList<Entry> m_entries;
    QList<Problem> m_problems;
    QString m_newline = QStringLiteral("\n");
    bool m_finalNewline = true;
};

} // namespace aap::config
