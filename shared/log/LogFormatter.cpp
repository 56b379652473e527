#include "log/LogFormatter.h"

#include "log/LogField.h"

#include <QList>

#include <optional>

namespace aap::log {

namespace {

struct Field {
    QStringView key;
    QString value;
};

bool isKeyStart(QChar c)
{
    return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || c == u'_';
}

bool isKeyChar(QChar c)
{
    return isKeyStart(c) || (c >= u'0' && c <= u'9') || c == u'.';
}

// Reads a `key=value` token starting at `pos`; on success `pos` is left at the token's end.
std::optional<Field> readField(QStringView text, qsizetype &pos)
{
    qsizetype i = pos;
    if (i >= text.size() || !isKeyStart(text[i])) {
        return std::nullopt;
    }
    while (i < text.size() && isKeyChar(text[i])) {
        ++i;
    }
    if (i >= text.size() || text[i] != u'=') {
        return std::nullopt;
    }
    Field field{text.mid(pos, i - pos), QString()};
    ++i;
    if (i < text.size() && text[i] == u'"') {
        ++i;
        bool closed = false;
        while (i < text.size()) {
            const QChar c = text[i++];
            if (c == u'"') {
                closed = true;
                break;
            }
            if (c == u'\\' && i < text.size()) {
                field.value += text[i++];
            } else {
                field.value += c;
            }
        }
        if (!closed || (i < text.size() && text[i] != u' ')) {
            return std::nullopt;
        }
    } else {
        const qsizetype start = i;
        while (i < text.size() && text[i] != u' ') {
            ++i;
        }
        if (i == start) {
            return std::nullopt; // `key=` followed by a space is a word, not an empty field
        }
        field.value = text.mid(start, i - start).toString();
    }
    pos = i;
    return field;
}

QString escapeLineBreaks(QString text)
{
    return text.replace(QLatin1Char('\r'), QLatin1String("\\r"))
        .replace(QLatin1Char('\n'), QLatin1String("\\n"));
}

} // namespace

QString LogFormatter::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QStringLiteral("debug");
    case QtInfoMsg:
        return QStringLiteral("info");
    case QtWarningMsg:
        return QStringLiteral("warning");
    case QtCriticalMsg:
        return QStringLiteral("error");
    case QtFatalMsg:
        return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

QString LogFormatter::format(const QDateTime &utcTime, QtMsgType type, const char *category,
                             const QString &message)
{
    // One linear pass: the event runs up to the last token that is not a field; only the fields
    // after it are fields of the line, earlier ones stay part of the event text.
    const QStringView text(message);
    QList<Field> fields;
    qsizetype firstToken = -1;
    qsizetype eventEnd = -1;
    qsizetype pos = 0;
    while (pos < text.size()) {
        if (text[pos] == u' ') {
            ++pos;
            continue;
        }
        if (firstToken < 0) {
            firstToken = pos;
        }
        if (auto field = readField(text, pos)) {
            fields.append(std::move(*field));
            continue;
        }
        while (pos < text.size() && text[pos] != u' ') {
            ++pos;
        }
        eventEnd = pos;
        fields.clear();
    }

    QString line = QLatin1String("time=") + utcTime.toUTC().toString(Qt::ISODateWithMs) +
                   QLatin1String(" level=") + levelName(type) + QLatin1String(" cat=") +
                   LogField::quoted(QString::fromUtf8(category != nullptr ? category : "default"));
    if (eventEnd >= 0) {
        line +=
            QLatin1String(" msg=") + LogField::quoted(text.mid(firstToken, eventEnd - firstToken).toString());
    }
    for (const Field &field : std::as_const(fields)) {
        line += u' ';
        line += field.key;
        line += u'=';
        line += LogField::quoted(field.value);
    }
    return escapeLineBreaks(std::move(line));
}

} // namespace aap::log
