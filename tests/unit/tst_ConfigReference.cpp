#include "config/ConfigFile.h"
#include "config/ConfigLoader.h"
#include "config/ConfigValidator.h"
#include "config/SettingCatalog.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace aap::config;
using namespace Qt::StringLiterals;

// Keeps docs/configuration.md and the example file in step with the settings catalogue.
class tst_ConfigReference : public QObject {
    Q_OBJECT

    static QString read(const QString &relative)
    {
        QFile file(QStringLiteral(AAP_SOURCE_DIR) + u"/"_s + relative);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(file.readAll());
    }

private slots:
    void referenceTableHasEverySetting()
    {
        const QString doc = read(u"docs/configuration.md"_s);
        QVERIFY(!doc.isEmpty());
        const QStringList lines = doc.split(u'\n');
        ServiceConfig defaults;
        const ConstSettingTarget target{&defaults, &defaults.routes.constFirst(),
                                        &defaults.identities.constFirst()};
        for (const SettingDescriptor &setting : SettingCatalog::all()) {
            const QString flag = u"`--"_s + setting.flag + u"`"_s;
            const auto row = std::find_if(lines.cbegin(), lines.cend(), [&](const QString &line) {
                return line.startsWith(u"| `"_s + setting.key + u"` |"_s) && line.contains(flag);
            });
            QVERIFY2(row != lines.cend(), qPrintable(setting.id()));
            for (const QString &name : setting.envNames)
                QVERIFY2(row->contains(u"`"_s + name + u"`"_s), qPrintable(name));
            const QString value = setting.format(target);
            const bool defaultShown = value.isEmpty()
                                          ? row->contains(u"(empty)"_s) || row->contains(u"(required)"_s)
                                          : row->contains(u"`"_s + value + u"`"_s);
            QVERIFY2(defaultShown, qPrintable(setting.id()));
        }
    }

    void exampleFileIsValid()
    {
        const QString text = read(u"resources/examples/aad-auth-proxy.conf"_s);
        QVERIFY(!text.isEmpty());
        const ConfigFile file = ConfigFile::parse(text);
        QVERIFY(file.problems().isEmpty());

        ConfigSources sources;
        sources.configFlag = QStringLiteral(AAP_SOURCE_DIR) + u"/resources/examples/aad-auth-proxy.conf"_s;
        sources.environment = QProcessEnvironment();
        LoadedConfig loaded = ConfigLoader::load(sources);
        loaded.issues.append(ConfigValidator::validate(loaded));
        QStringList issues;
        for (const ConfigIssue &issue : loaded.issues)
            issues.append(issue.toString());
        QVERIFY2(issues.isEmpty(), qPrintable(issues.join(u'\n')));
    }

    void exampleCommentedKeysExist()
    {
        // "# key = value" lines are settings to uncomment: each must be a real key of its section.
        static const QRegularExpression commentedKey(u"^[#;] ?([a-z_]+) = "_s);
        static const QRegularExpression header(u"^(?:# )?\\[([a-z_]+)(?: \"[^\"]+\")?\\]$"_s);
        const QStringList lines = read(u"resources/examples/aad-auth-proxy.conf"_s).split(u'\n');
        QString section;
        int checked = 0;
        for (const QString &line : lines) {
            if (const auto match = header.match(line); match.hasMatch()) {
                section = match.captured(1);
                continue;
            }
            if (const auto match = commentedKey.match(line); match.hasMatch()) {
                QVERIFY2(SettingCatalog::find(section, match.captured(1)) != nullptr, qPrintable(line));
                ++checked;
            }
        }
        QVERIFY(checked > 10);
    }
};

QTEST_GUILESS_MAIN(tst_ConfigReference)
#include "tst_ConfigReference.moc"
