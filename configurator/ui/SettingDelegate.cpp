#include "ui/SettingDelegate.h"

#include "models/SettingsModel.h"

#include <QLineEdit>

namespace aap::configurator {

QWidget *SettingDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                       const QModelIndex &index) const
{
    QWidget *editor = QStyledItemDelegate::createEditor(parent, option, index);
    if (auto *line = qobject_cast<QLineEdit *>(editor);
        line != nullptr && index.data(SettingsModel::SecretRole).toBool()) {
        line->setEchoMode(QLineEdit::Password);
        line->setPlaceholderText(tr("type a new value to replace the secret"));
    }
    return editor;
}

} // namespace aap::configurator
