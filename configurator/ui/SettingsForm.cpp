#include "ui/SettingsForm.h"

#include "models/ConfigDocument.h"
#include "ui/SettingField.h"
#include "ui/SettingLabels.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

namespace aap::configurator {

using namespace Qt::StringLiterals;

SettingsForm::SettingsForm(ConfigDocument &document, const QList<Group> &groups, const QString &scopeName,
                           QWidget *parent)
    : QWidget(parent), m_document(document)
{
    auto *column = new QVBoxLayout(this);
    for (const Group &group : groups) {
        auto *box = new QGroupBox(group.title, this);
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
        form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
        form->setRowWrapPolicy(QFormLayout::DontWrapRows);
        if (!group.note.isEmpty()) {
            auto *note = new QLabel(group.note, box);
            note->setWordWrap(true);
            form->addRow(note);
        }
        for (const config::SettingDescriptor *setting : group.settings) {
            auto *field = new SettingField(document, *setting, scopeName, box);
            auto *label = new QLabel(SettingLabels::label(*setting) + u":"_s, box);
            label->setBuddy(field);
            label->setToolTip(setting->description);
            form->addRow(label, field);
            m_fields.append(field);
            m_rows.append(Row{field, form, {}});
        }
        column->addWidget(box);
        m_groupBoxes.append(box);
    }
    column->addStretch(1);
    connect(&m_document, &ConfigDocument::changed, this, &SettingsForm::refresh);
    refresh();
}

void SettingsForm::setRule(Rule rule)
{
    m_rule = std::move(rule);
    refresh();
}

SettingField *SettingsForm::field(const QString &section, const QString &key) const
{
    for (SettingField *field : m_fields) {
        if (field->setting().section == section && field->setting().key == key)
            return field;
    }
    return nullptr;
}

void SettingsForm::addBelow(const QString &section, const QString &key, QWidget *widget)
{
    for (Row &row : m_rows) {
        if (row.field->setting().section != section || row.field->setting().key != key)
            continue;
        int index = 0;
        QFormLayout::ItemRole role{};
        row.form->getWidgetPosition(row.field, &index, &role);
        row.form->insertRow(index + 1 + static_cast<int>(row.extras.size()), widget);
        row.extras.append(widget);
    }
    refresh();
}

void SettingsForm::refresh()
{
    QList<QFormLayout *> visibleForms;
    for (Row &row : m_rows) {
        row.field->refresh();
        const bool visible = row.field->isOffered() && (!m_rule || m_rule(row.field->setting()));
        row.form->setRowVisible(row.field, visible);
        for (QWidget *extra : std::as_const(row.extras))
            row.form->setRowVisible(extra, visible);
        if (visible)
            visibleForms.append(row.form);
    }
    // A group with nothing to offer disappears.
    for (QWidget *box : std::as_const(m_groupBoxes))
        box->setVisible(visibleForms.contains(qobject_cast<QFormLayout *>(box->layout())));
}

} // namespace aap::configurator
