#pragma once

#include <QStyledItemDelegate>

namespace aap::configurator {

// Edits setting values; secrets get a password field that starts empty.
class SettingDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;
};

} // namespace aap::configurator
