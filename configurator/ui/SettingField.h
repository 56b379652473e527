#pragma once

#include "config/SettingCatalog.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace aap::configurator {

class ConfigDocument;

// The editor of one setting of one route, identity or the service: the widget its type calls for
// (check box, spin box, combo box, file picker, line edit), the validator's message beside it, and
// where the value comes from when that is not this file. A value that does not parse stays visible
// as written, in a line edit, marked, with the reason.
class SettingField : public QWidget {
    Q_OBJECT

public:
    SettingField(ConfigDocument &document, const config::SettingDescriptor &setting, QString scopeName,
                 QWidget *parent = nullptr);

    [[nodiscard]] const config::SettingDescriptor &setting() const { return m_setting; }
    [[nodiscard]] const QString &scopeName() const { return m_scopeName; }
    [[nodiscard]] QString settingId() const { return m_setting.id(m_scopeName); }
    // The input widget in use (the line edit when the value does not fit the typed widget).
    [[nodiscard]] QWidget *editor() const;
    // What the editor shows, as text.
    [[nodiscard]] QString shownText() const;
    [[nodiscard]] bool hasError() const { return m_hasError; }
    [[nodiscard]] QString messageText() const;
    [[nodiscard]] QString sourceText() const;
    // A supported setting, or one a source sets (then shown so the user sees it is not acted on).
    [[nodiscard]] bool isOffered() const;

    // Offers these values instead of free text (a route's identity: the identities that exist).
    void setChoices(const QStringList &choices);
    // Reads value, source and messages from the document again.
    void refresh();

private:
    enum class Mode { Line, Check, Spin, Combo };

    void build();
    void commit(const QString &text);
    void showMode(Mode mode);
    void mark(bool error);
    // The value after the shared parser, printed back; nullopt when it does not parse or parses
    // only with a warning (a fallback the editor must not hide).
    [[nodiscard]] std::optional<QString> normalized(const QString &text) const;
    [[nodiscard]] Mode typedMode() const;

    ConfigDocument &m_document;
    const config::SettingDescriptor &m_setting;
    QString m_scopeName;
    QStringList m_choices;
    Mode m_mode = Mode::Line;
    bool m_hasError = false;
    QLineEdit *m_line = nullptr;
    QCheckBox *m_check = nullptr;
    QSpinBox *m_spin = nullptr;
    QComboBox *m_combo = nullptr;
    QToolButton *m_browse = nullptr;
    QToolButton *m_remove = nullptr;
    QLabel *m_icon = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_source = nullptr;
};

} // namespace aap::configurator
