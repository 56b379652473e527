#include "models/SettingsModel.h"

#include "models/ConfigDocument.h"

#include <gsl/narrow>

namespace aap::configurator {

using namespace Qt::StringLiterals;

SettingsModel::SettingsModel(ConfigDocument &document, QObject *parent)
    : QAbstractTableModel(parent), m_document(document)
{
    connect(&m_document, &ConfigDocument::changed, this, &SettingsModel::rebuild);
    rebuild();
}

void SettingsModel::rebuild()
{
    const auto &config = m_document.loaded().config;
    QList<Row> rows;
    for (const config::SettingDescriptor &setting : config::SettingCatalog::all()) {
        switch (setting.scope) {
        case config::SettingScope::Global:
            rows.append({&setting, QString()});
            break;
        case config::SettingScope::Route:
            for (const auto &route : config.routes)
                rows.append({&setting, route.name});
            break;
        case config::SettingScope::Identity:
            for (const auto &identity : config.identities)
                rows.append({&setting, identity.name});
            break;
        }
    }
    const bool sameShape =
        rows.size() == m_rows.size() &&
        std::equal(rows.cbegin(), rows.cend(), m_rows.cbegin(), [](const Row &a, const Row &b) {
            return a.setting == b.setting && a.scopeName == b.scopeName;
        });
    if (sameShape) {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int SettingsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : gsl::narrow<int>(m_rows.size());
}

int SettingsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SettingsModel::valueText(const Row &row) const
{
    const auto &config = m_document.loaded().config;
    config::ConstSettingTarget target{&config, nullptr, nullptr};
    for (const auto &route : config.routes) {
        if (route.name == row.scopeName)
            target.route = &route;
    }
    for (const auto &identity : config.identities) {
        if (identity.name == row.scopeName)
            target.identity = &identity;
    }
    if ((row.setting->scope == config::SettingScope::Route && target.route == nullptr) ||
        (row.setting->scope == config::SettingScope::Identity && target.identity == nullptr))
        return {};
    // format() already redacts secrets.
    return row.setting->format(target);
}

QVariant SettingsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows.at(index.row());
    const QString id = row.setting->id(row.scopeName);
    if (role == SecretRole)
        return row.setting->secret;
    if (role == SettingIdRole)
        return id;
    if (role == Qt::EditRole && index.column() == ValueColumn)
        return row.setting->secret ? QString() : valueText(row);
    if (role == Qt::ToolTipRole)
        return row.setting->description;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case SettingColumn:
        return id;
    case ValueColumn:
        return valueText(row);
    case SourceColumn:
        return m_document.loaded().origin(id).toString();
    case DescriptionColumn:
        return row.setting->description;
    default:
        return {};
    }
}

QVariant SettingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SettingColumn:
        return tr("Setting");
    case ValueColumn:
        return tr("Value");
    case SourceColumn:
        return tr("Source");
    case DescriptionColumn:
        return tr("Meaning");
    default:
        return {};
    }
}

Qt::ItemFlags SettingsModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags result = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == ValueColumn)
        result |= Qt::ItemIsEditable;
    return result;
}

bool SettingsModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!index.isValid() || index.column() != ValueColumn || role != Qt::EditRole)
        return false;
    const Row row = m_rows.at(index.row());
    // A secret's editor starts empty (its value is never shown): leaving it empty keeps the secret.
    if (row.setting->secret && value.toString().isEmpty())
        return false;
    m_document.setValue(*row.setting, row.scopeName, value.toString());
    return true;
}

int SettingsModel::rowOf(const QString &settingId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).setting->id(m_rows.at(i).scopeName) == settingId)
            return gsl::narrow<int>(i);
    }
    return -1;
}

} // namespace aap::configurator
