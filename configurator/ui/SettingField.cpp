#include "ui/SettingField.h"

#include "models/ConfigDocument.h"
#include "ui/SettingLabels.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>

namespace aap::configurator {

using namespace Qt::StringLiterals;
using config::SettingType;

SettingField::SettingField(ConfigDocument &document, const config::SettingDescriptor &setting,
                           QString scopeName, QWidget *parent)
    : QWidget(parent), m_document(document), m_setting(setting), m_scopeName(std::move(scopeName)),
      m_choices(setting.choices)
{
    build();
    refresh();
}

void SettingField::build()
{
    auto *column = new QVBoxLayout(this);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    auto *row = new QHBoxLayout;
    row->setSpacing(4);
    column->addLayout(row);

    m_line = new QLineEdit(this);
    m_line->setObjectName(u"line"_s);
    m_line->setClearButtonEnabled(m_setting.type != SettingType::Secret);
    if (m_setting.type == SettingType::Secret)
        m_line->setEchoMode(QLineEdit::Password);
    row->addWidget(m_line, 1);
    connect(m_line, &QLineEdit::editingFinished, this, [this] {
        if (!m_line->isModified())
            return;
        m_line->setModified(false);
        // A secret's editor never shows the stored value: empty means "keep it".
        if (m_setting.type == SettingType::Secret && m_line->text().isEmpty())
            return;
        commit(m_line->text());
    });

    switch (m_setting.type) {
    case SettingType::Boolean:
        m_check = new QCheckBox(this);
        row->addWidget(m_check, 1);
        connect(m_check, &QCheckBox::toggled, this, [this](bool on) { commit(on ? u"true"_s : u"false"_s); });
        break;
    case SettingType::Integer:
    case SettingType::Duration: {
        m_spin = new QSpinBox(this);
        const qint64 maximum = std::min<qint64>(m_setting.maximum, std::numeric_limits<int>::max());
        m_spin->setRange(static_cast<int>(m_setting.minimum), static_cast<int>(maximum));
        // Sizes and rates say their unit, as durations do; a count or a port needs none.
        const bool bytes = m_setting.valueName.startsWith(u"bytes"_s);
        if (m_setting.type == SettingType::Duration)
            m_spin->setSuffix(tr(" ms"));
        else if (bytes)
            m_spin->setSuffix(u" "_s + m_setting.valueName);
        // 60,000 ms reads better than 60000 ms; a port is a name, not an amount.
        m_spin->setGroupSeparatorShown(m_setting.type == SettingType::Duration || bytes);
        m_spin->setKeyboardTracking(false);
        m_spin->setMinimumWidth(140);
        row->addWidget(m_spin);
        row->addStretch(1);
        connect(m_spin, &QSpinBox::valueChanged, this, [this](int value) { commit(QString::number(value)); });
        break;
    }
    case SettingType::Choice:
        m_combo = new QComboBox(this);
        m_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        row->addWidget(m_combo);
        row->addStretch(1);
        connect(m_combo, &QComboBox::activated, this,
                [this](int index) { commit(m_combo->itemData(index).toString()); });
        break;
    case SettingType::Path:
        m_browse = new QToolButton(this);
        m_browse->setText(tr("Browse…"));
        m_browse->setToolTip(tr("Choose the file"));
        row->addWidget(m_browse);
        connect(m_browse, &QToolButton::clicked, this, [this] {
            const QString current = m_document.fileValue(m_setting, m_scopeName).value_or(QString());
            const QString start = current.isEmpty() ? QFileInfo(m_document.path()).absolutePath() : current;
            const QString chosen = QFileDialog::getOpenFileName(this, SettingLabels::label(m_setting), start);
            if (!chosen.isEmpty())
                commit(chosen);
        });
        break;
    case SettingType::Text:
    case SettingType::Secret:
    case SettingType::Url:
    case SettingType::List:
        break;
    }

    // Unsupported settings and secrets can be taken out of the file.
    m_remove = new QToolButton(this);
    m_remove->setText(m_setting.support == config::SettingSupport::Supported ? tr("Clear") : tr("Remove"));
    m_remove->setToolTip(tr("Remove this setting from the file"));
    row->addWidget(m_remove);
    connect(m_remove, &QToolButton::clicked, this, [this] { commit(QString()); });

    auto *messageRow = new QHBoxLayout;
    messageRow->setSpacing(4);
    m_icon = new QLabel(this);
    m_message = new QLabel(this);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    messageRow->addWidget(m_icon, 0, Qt::AlignTop);
    messageRow->addWidget(m_message, 1);
    column->addLayout(messageRow);

    m_source = new QLabel(this);
    m_source->setObjectName(u"source"_s);
    m_source->setWordWrap(true);
    m_source->setForegroundRole(QPalette::PlaceholderText);
    column->addWidget(m_source);

    setToolTip(m_setting.description);
    setFocusProxy(m_line);
}

void SettingField::setChoices(const QStringList &choices)
{
    if (!m_combo) {
        m_combo = new QComboBox(this);
        m_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        auto *row = qobject_cast<QHBoxLayout *>(layout()->itemAt(0)->layout());
        row->insertWidget(1, m_combo);
        connect(m_combo, &QComboBox::activated, this,
                [this](int index) { commit(m_combo->itemData(index).toString()); });
    }
    m_choices = choices;
    refresh();
}

SettingField::Mode SettingField::typedMode() const
{
    if (m_combo && !m_choices.isEmpty())
        return Mode::Combo;
    if (m_check)
        return Mode::Check;
    if (m_spin)
        return Mode::Spin;
    return Mode::Line;
}

std::optional<QString> SettingField::normalized(const QString &text) const
{
    if (!m_setting.choices.isEmpty() || m_choices.isEmpty()) {
        config::ServiceConfig config;
        config::RouteConfig route;
        config::IdentityConfig identity;
        const auto applied = m_setting.apply({&config, &route, &identity}, text);
        if (!applied || !applied->isEmpty())
            return std::nullopt;
        return m_setting.format({&config, &route, &identity});
    }
    // Choices the caller offers (identity names) are matched as written.
    if (m_choices.contains(text.trimmed()))
        return text.trimmed();
    return std::nullopt;
}

void SettingField::showMode(Mode mode)
{
    m_mode = mode;
    m_line->setVisible(mode == Mode::Line);
    if (m_check)
        m_check->setVisible(mode == Mode::Check);
    if (m_spin)
        m_spin->setVisible(mode == Mode::Spin);
    if (m_combo)
        m_combo->setVisible(mode == Mode::Combo);
    setFocusProxy(editor());
}

QWidget *SettingField::editor() const
{
    switch (m_mode) {
    case Mode::Check:
        return m_check;
    case Mode::Spin:
        return m_spin;
    case Mode::Combo:
        return m_combo;
    case Mode::Line:
        break;
    }
    return m_line;
}

QString SettingField::shownText() const
{
    switch (m_mode) {
    case Mode::Check:
        return m_check->isChecked() ? u"true"_s : u"false"_s;
    case Mode::Spin:
        return QString::number(m_spin->value());
    case Mode::Combo:
        return m_combo->currentData().toString();
    case Mode::Line:
        break;
    }
    return m_line->text();
}

QString SettingField::messageText() const
{
    return m_message->text();
}

QString SettingField::sourceText() const
{
    return m_source->text();
}

bool SettingField::isOffered() const
{
    return m_setting.support == config::SettingSupport::Supported ||
           m_document.origin(settingId()).kind != config::SettingOrigin::Kind::Default ||
           m_document.fileValue(m_setting, m_scopeName).has_value();
}

void SettingField::refresh()
{
    const QString id = settingId();
    const config::SettingOrigin origin = m_document.origin(id);
    const bool fromEnvironment = origin.kind == config::SettingOrigin::Kind::Environment ||
                                 origin.kind == config::SettingOrigin::Kind::CommandLine;
    const std::optional<QString> written = m_document.fileValue(m_setting, m_scopeName);
    const bool secret = m_setting.type == SettingType::Secret;
    const QString effective = m_document.effectiveValue(m_setting, m_scopeName);

    // What the editor shows: the file's text as written, else the environment's value, else the
    // default (as placeholder in a line edit, so it is not written back by accident).
    QString shown;
    if (fromEnvironment)
        shown = effective;
    else if (written)
        shown = *written;
    if (secret)
        shown.clear();

    Mode mode = typedMode();
    std::optional<QString> value = shown.isEmpty() ? std::optional<QString>(effective) : normalized(shown);
    if (mode != Mode::Line && !value)
        mode = Mode::Line;
    showMode(mode);

    {
        const QSignalBlocker blockLine(m_line);
        if (!(m_line->hasFocus() && m_line->isModified()))
            m_line->setText(shown);
        if (secret)
            m_line->setPlaceholderText(effective.isEmpty() ? tr("not set") : tr("set (type to replace)"));
        else
            m_line->setPlaceholderText(effective.isEmpty() ? QString() : tr("default: %1").arg(effective));
    }
    if (m_check && mode == Mode::Check) {
        const QSignalBlocker block(m_check);
        m_check->setChecked(*value == u"true"_s);
    }
    if (m_spin && mode == Mode::Spin) {
        const QSignalBlocker block(m_spin);
        m_spin->setValue(value->toInt());
    }
    if (m_combo) {
        const QSignalBlocker block(m_combo);
        m_combo->clear();
        for (const QString &choice : std::as_const(m_choices))
            m_combo->addItem(SettingLabels::choiceLabel(m_setting, choice), choice);
        if (value)
            m_combo->setCurrentIndex(static_cast<int>(m_choices.indexOf(*value)));
    }

    const bool supported = m_setting.support == config::SettingSupport::Supported;
    // A value from the environment overrides the file: editing it here would change nothing.
    const bool editable = supported && !fromEnvironment;
    for (QWidget *widget :
         {static_cast<QWidget *>(m_line), static_cast<QWidget *>(m_check), static_cast<QWidget *>(m_spin),
          static_cast<QWidget *>(m_combo), static_cast<QWidget *>(m_browse)}) {
        if (widget)
            widget->setEnabled(editable);
    }
    m_remove->setVisible(written.has_value() && (!supported || secret));

    const config::ConfigIssues issues = m_document.issuesFor(id);
    QStringList lines;
    m_hasError = false;
    bool warning = false;
    for (const auto &issue : issues) {
        lines.append(issue.message);
        m_hasError = m_hasError || issue.isError();
        warning = warning || !issue.isError();
    }
    m_message->setText(lines.join(QLatin1Char('\n')));
    m_message->setVisible(!lines.isEmpty());
    m_icon->setVisible(!lines.isEmpty());
    if (!lines.isEmpty()) {
        const auto icon = m_hasError ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning;
        const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
        m_icon->setPixmap(style()->standardIcon(icon).pixmap(size, size));
    }
    mark(m_hasError);

    QString source;
    if (fromEnvironment)
        source = tr("Set by %1; it overrides this file, so change it there.").arg(m_document.sourceText(id));
    else if (!supported && m_setting.support == config::SettingSupport::Refused)
        source = tr("This version refuses this setting: remove it.");
    else if (!supported)
        source = tr("This version ignores this setting.");
    m_source->setText(source);
    m_source->setVisible(!source.isEmpty());
    setToolTip(m_setting.description + u"\n"_s + tr("Source: %1").arg(m_document.sourceText(id)));
}

void SettingField::mark(bool error)
{
    QWidget *target = editor();
    QPalette palette = target->parentWidget()->palette();
    if (error) {
        palette.setColor(QPalette::Base, QColor(0xfd, 0xe7, 0xe9));
        palette.setColor(QPalette::Button, QColor(0xfd, 0xe7, 0xe9));
    }
    for (QWidget *widget : {static_cast<QWidget *>(m_line), static_cast<QWidget *>(m_check),
                            static_cast<QWidget *>(m_spin), static_cast<QWidget *>(m_combo)}) {
        if (widget)
            widget->setPalette(widget == target ? palette : target->parentWidget()->palette());
    }
    m_message->setForegroundRole(QPalette::WindowText);
    if (error) {
        QPalette text = m_message->palette();
        text.setColor(QPalette::WindowText, QColor(0xa4, 0x00, 0x1d));
        m_message->setPalette(text);
    } else {
        m_message->setPalette(palette);
    }
    target->setProperty("invalid", error);
}

void SettingField::commit(const QString &text)
{
    const std::optional<QString> written = m_document.fileValue(m_setting, m_scopeName);
    if (written.value_or(QString()) == text && (written.has_value() || text.isEmpty()))
        return;
    m_document.setValue(m_setting, m_scopeName, text);
}

} // namespace aap::configurator
