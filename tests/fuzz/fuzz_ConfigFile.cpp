// Config file parser and writer: any text parses (problems are values); writing the file back and
// parsing it again gives the same entries; a value set through setValue() reads back unchanged.
#include "config/ConfigFile.h"

#include <cstdint>
#include <cstdlib>

using aap::config::ConfigFile;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool sameEntries(const ConfigFile &a, const ConfigFile &b)
{
    if (a.entries().size() != b.entries().size())
        return false;
    for (qsizetype i = 0; i < a.entries().size(); ++i) {
        const auto &x = a.entries().at(i);
        const auto &y = b.entries().at(i);
        if (x.section != y.section || x.name != y.name || x.key != y.key || x.value != y.value)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString text =
        QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    ConfigFile file = ConfigFile::parse(text);
    check(sameEntries(file, ConfigFile::parse(file.toText())));

    // The first line of the input as a value, as the configurator would store it.
    QString value = text.section(QLatin1Char('\n'), 0, 0);
    value.remove(QLatin1Char('\r'));
    file.setValue(QStringLiteral("fuzz"), QString(), QStringLiteral("value"), value);
    const auto stored =
        ConfigFile::parse(file.toText()).find(QStringLiteral("fuzz"), QString(), QStringLiteral("value"));
    check(stored.has_value() && stored->value == value);
    return 0;
}
