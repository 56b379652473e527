#pragma once

#include "config/SettingCatalog.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <functional>

class QFormLayout;
class QLabel;

namespace aap::configurator {

class ConfigDocument;
class SettingField;

// Group boxes of setting fields, one form row each. A row shows only while its setting is offered
// (supported, or set by a source) and the page's own rule (e.g. the identity type) wants it.
class SettingsForm : public QWidget {
    Q_OBJECT

public:
    struct Group {
        QString title;
        QString note; // one explanatory sentence under the title; may be empty
        QList<const config::SettingDescriptor *> settings;
    };
    using Rule = std::function<bool(const config::SettingDescriptor &)>;

    SettingsForm(ConfigDocument &document, const QList<Group> &groups, const QString &scopeName,
                 QWidget *parent = nullptr);

    void setRule(Rule rule);
    [[nodiscard]] const QList<SettingField *> &fields() const { return m_fields; }
    [[nodiscard]] SettingField *field(const QString &section, const QString &key) const;
    // Adds a widget as a full-width row right after the row of a setting (a certificate inspector).
    void addBelow(const QString &section, const QString &key, QWidget *widget);
    void refresh();

private:
    struct Row {
        SettingField *field = nullptr;
        QFormLayout *form = nullptr;
        QList<QWidget *> extras;
    };

    ConfigDocument &m_document;
    QList<SettingField *> m_fields;
    QList<Row> m_rows;
    QList<QWidget *> m_groupBoxes;
    Rule m_rule;
};

} // namespace aap::configurator
