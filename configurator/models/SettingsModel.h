#pragma once

#include "config/SettingCatalog.h"

#include <QAbstractTableModel>
#include <QList>

namespace aap::configurator {

class ConfigDocument;

// Every setting of the open document as a table: one row per setting (scoped settings once per
// route or identity), with its effective value, where it came from, and its documentation. Secret
// values are never shown; editing one replaces it.
class SettingsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { SettingColumn, ValueColumn, SourceColumn, DescriptionColumn, ColumnCount };
    enum Role { SecretRole = Qt::UserRole + 1, SettingIdRole };

    explicit SettingsModel(ConfigDocument &document, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    [[nodiscard]] Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;

    // Row of a setting id such as "listener.port" or "route.default.target_host"; -1 when absent.
    [[nodiscard]] int rowOf(const QString &settingId) const;

private:
    struct Row {
        const config::SettingDescriptor *setting;
        QString scopeName;
    };

    void rebuild();
    [[nodiscard]] QString valueText(const Row &row) const;

    ConfigDocument &m_document;
    QList<Row> m_rows;
};

} // namespace aap::configurator
