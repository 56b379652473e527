#pragma once

#include "config/SettingCatalog.h"

#include <QString>

namespace aap::configurator {

// The words an administrator reads for a setting: a label instead of the file key, and names for
// the values of an enumeration. Settings without an entry get a label made from their key.
class SettingLabels {
public:
    [[nodiscard]] static QString label(const config::SettingDescriptor &setting);
    [[nodiscard]] static QString choiceLabel(const config::SettingDescriptor &setting, const QString &choice);
};

} // namespace aap::configurator
