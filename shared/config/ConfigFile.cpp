#include "config/ConfigFile.h"

#include <QRegularExpression>

namespace aap::config {

namespace {

struct SectionName {
    QString section;
    QString name;
};

std::optional<SectionName> parseSectionHeader(const QString &trimmed)
{
    static const QRegularExpression quotedForm(
        QStringLiteral("^\\[\\s*([A-Za-z0-9_-]+)\\s+\"([^\"]+)\"\\s*\\]$"));
    static const QRegularExpression dottedForm(
        QStringLiteral("^\\[\\s*([A-Za-z0-9_-]+)(?:\\.([A-Za-z0-9_.-]+))?\\s*\\]$"));
    auto match = quotedForm.match(trimmed);
    if (!match.hasMatch())
        match = dottedForm.match(trimmed);
    if (!match.hasMatch())
        return std::nullopt;
    return SectionName{match.captured(1).toLower(), match.captured(2)};
}

std::optional<QString> unquote(const QString &value)
{
    if (!value.startsWith(QLatin1Char('"')))
        return value;
    QString result;
    for (qsizetype i = 1; i < value.size(); ++i) {
        const QChar c = value.at(i);
        if (c == u'\\' && i + 1 < value.size()) {
            result += value.at(++i);
        } else if (c == u'"') {
            if (i + 1 != value.size())
                return std::nullopt;
            return result;
        } else {
            result += c;
        }
    }
    return std::nullopt;
}

bool sameSection(const QString &section, const QString &name, const QString &otherSection,
                 const QString &otherName)
{
    return section.compare(otherSection, Qt::CaseInsensitive) == 0 && name == otherName;
}

} // namespace

ConfigFile ConfigFile::parse(const QString &text)
{
    static const QRegularExpression keyPattern(QStringLiteral("^[A-Za-z0-9_.-]+$"));
    ConfigFile file;
    // CRLF only when every line break is one: a lone '\r' before one '\n' of a LF file must not turn
    // the lines written after it into one long line when the file is read again.
    const qsizetype breaks = text.count(QLatin1Char('\n'));
    if (breaks > 0 && breaks == text.count(QStringLiteral("\r\n")))
        file.m_newline = QStringLiteral("\r\n");
    file.m_finalNewline = text.isEmpty() || text.endsWith(QLatin1Char('\n'));
    QStringList lines = text.split(file.m_newline);
    if (file.m_finalNewline && !text.isEmpty())
        lines.removeLast();
    if (text.isEmpty())
        lines.clear();

    for (const QString &raw : lines)
        file.m_lines.append(Line{raw, LineKind::Other, {}, {}, {}});
    file.reindex();

    // Problems are only reported here: reindex() also runs after edits, which keep bad lines.
    int number = 0;
    for (const Line &line : file.m_lines) {
        ++number;
        const QString trimmed = line.text.trimmed();
        if (line.kind != LineKind::Other || trimmed.isEmpty() || trimmed.startsWith(QLatin1Char('#')) ||
            trimmed.startsWith(QLatin1Char(';')))
            continue;
        if (trimmed.startsWith(QLatin1Char('[')))
            file.m_problems.append({number, QStringLiteral("malformed section header (use [section] or "
                                                           "[section \"name\"])")});
        else if (!trimmed.contains(QLatin1Char('=')))
            file.m_problems.append(
                {number, QStringLiteral("expected 'key = value', a [section] or a comment")});
        else if (!keyPattern.match(trimmed.left(trimmed.indexOf(QLatin1Char('='))).trimmed()).hasMatch())
            file.m_problems.append({number, QStringLiteral("invalid key name")});
        else
            file.m_problems.append({number, QStringLiteral("unterminated or misplaced quote in the value")});
    }
    return file;
}

void ConfigFile::reindex()
{
    static const QRegularExpression keyPattern(QStringLiteral("^[A-Za-z0-9_.-]+$"));
    m_entries.clear();
    QString section;
    QString name;
    int number = 0;
    for (Line &line : m_lines) {
        ++number;
        line.kind = LineKind::Other;
        const QString trimmed = line.text.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(QLatin1Char('#')) || trimmed.startsWith(QLatin1Char(';')))
            continue;
        if (trimmed.startsWith(QLatin1Char('['))) {
            if (const auto header = parseSectionHeader(trimmed)) {
                section = header->section;
                name = header->name;
                line.kind = LineKind::Section;
                line.section = section;
                line.name = name;
            }
            continue;
        }
        const qsizetype equals = trimmed.indexOf(QLatin1Char('='));
        if (equals <= 0)
            continue;
        const QString key = trimmed.left(equals).trimmed().toLower();
        const auto value = unquote(trimmed.mid(equals + 1).trimmed());
        if (!keyPattern.match(key).hasMatch() || !value)
            continue;
        line.kind = LineKind::KeyValue;
        line.section = section;
        line.name = name;
        line.key = key;
        m_entries.append(Entry{section, name, key, *value, number});
    }
}

std::optional<ConfigFile::Entry> ConfigFile::find(const QString &section, const QString &name,
                                                  const QString &key) const
{
    // The last match: a later line overrides an earlier one.
    std::optional<Entry> found;
    for (const Entry &entry : m_entries) {
        if (sameSection(entry.section, entry.name, section, name) &&
            entry.key.compare(key, Qt::CaseInsensitive) == 0)
            found = entry;
    }
    return found;
}

void ConfigFile::setValue(const QString &section, const QString &name, const QString &key,
                          const QString &value)
{
    const QString written = quoteValue(value);
    bool found = false;
    for (Line &line : m_lines) {
        if (line.kind != LineKind::KeyValue || !sameSection(line.section, line.name, section, name) ||
            line.key.compare(key, Qt::CaseInsensitive) != 0)
            continue;
        // Keep the indentation and the key as written; replace only what follows '='.
        const qsizetype equals = line.text.indexOf(QLatin1Char('='));
        const bool spaced = line.text.mid(equals + 1).startsWith(QLatin1Char(' ')) ||
                            line.text.mid(equals + 1).trimmed().isEmpty();
        line.text = line.text.left(equals + 1) + (spaced ? QStringLiteral(" ") : QString()) + written;
        found = true;
    }
    if (!found) {
        const QString newLine = key + QStringLiteral(" = ") + written;
        // After the last key of the section (or its header), so the value stays in the section.
        qsizetype insertAt = -1;
        for (qsizetype i = 0; i < m_lines.size(); ++i) {
            const Line &line = m_lines.at(i);
            if (line.kind != LineKind::Other && sameSection(line.section, line.name, section, name))
                insertAt = i + 1;
        }
        // Settings of the unnamed top of the file have no header; otherwise create the section.
        if (insertAt < 0 && section.isEmpty()) {
            insertAt = 0;
        } else if (insertAt < 0) {
            if (!m_lines.isEmpty() && !m_lines.constLast().text.trimmed().isEmpty())
                m_lines.append(Line{QString(), LineKind::Other, {}, {}, {}});
            m_lines.append(Line{sectionHeader(section, name), LineKind::Other, {}, {}, {}});
            insertAt = m_lines.size();
        }
        m_lines.insert(insertAt, Line{newLine, LineKind::Other, {}, {}, {}});
    }
    reindex();
}

bool ConfigFile::removeValue(const QString &section, const QString &name, const QString &key)
{
    const auto removed = m_lines.removeIf([&](const Line &line) {
        return line.kind == LineKind::KeyValue && sameSection(line.section, line.name, section, name) &&
               line.key.compare(key, Qt::CaseInsensitive) == 0;
    });
    reindex();
    return removed > 0;
}

bool ConfigFile::removeSection(const QString &section, const QString &name)
{
    QList<Line> kept;
    bool inRemoved = false;
    bool removed = false;
    for (const Line &line : std::as_const(m_lines)) {
        if (line.kind == LineKind::Section) {
            inRemoved = sameSection(line.section, line.name, section, name);
            removed = removed || inRemoved;
        }
        if (!inRemoved)
            kept.append(line);
    }
    m_lines = std::move(kept);
    reindex();
    return removed;
}

QString ConfigFile::toText() const
{
    QString text;
    for (qsizetype i = 0; i < m_lines.size(); ++i) {
        text += m_lines.at(i).text;
        if (i + 1 < m_lines.size() || m_finalNewline)
            text += m_newline;
    }
    return text;
}

QString ConfigFile::sectionHeader(const QString &section, const QString &name)
{
    if (name.isEmpty())
        return QLatin1Char('[') + section + QLatin1Char(']');
    return QLatin1Char('[') + section + QStringLiteral(" \"") + name + QStringLiteral("\"]");
}

QString ConfigFile::quoteValue(const QString &value)
{
    // A value is one line: line breaks cannot be represented and become spaces.
    QString escaped = value;
    escaped.replace(QLatin1Char('\r'), QLatin1Char(' '));
    escaped.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (escaped.trimmed() == escaped && !escaped.startsWith(QLatin1Char('"')))
        return escaped;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

} // namespace aap::config
