#include "models/EnvironmentFile.h"

#include <QFile>
#include <QRegularExpression>

namespace aap::configurator {

using namespace Qt::StringLiterals;

Expected<EnvironmentFile, QString> EnvironmentFile::read(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return parse(path, QString());
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(u"cannot read the environment file '"_s + path + u"': "_s + file.errorString());
    EnvironmentFile result = parse(path, QString::fromUtf8(file.readAll()));
    result.m_exists = true;
    return result;
}

EnvironmentFile EnvironmentFile::parse(const QString &path, const QString &text)
{
    static const QRegularExpression namePattern(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    EnvironmentFile result;
    result.m_path = path;
    result.m_exists = !text.isEmpty();
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || line.startsWith(QLatin1Char(';')))
            continue;
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        if (equals <= 0)
            continue;
        const QString name = line.left(equals).trimmed();
        if (!namePattern.match(name).hasMatch())
            continue;
        QString value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && (value.front() == u'"' || value.front() == u'\'') &&
            value.back() == value.front())
            value = value.mid(1, value.size() - 2);
        result.m_variables.insert(name, Variable{value, static_cast<int>(i + 1)});
    }
    return result;
}

QProcessEnvironment EnvironmentFile::appliedTo(const QProcessEnvironment &base) const
{
    QProcessEnvironment environment = base;
    for (auto it = m_variables.cbegin(); it != m_variables.cend(); ++it)
        environment.insert(it.key(), it.value().value);
    return environment;
}

} // namespace aap::configurator
