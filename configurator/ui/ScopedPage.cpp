#include "ui/ScopedPage.h"

#include "models/ConfigDocument.h"
#include "ui/CertificateInspector.h"
#include "ui/SettingField.h"
#include "ui/SettingsForm.h"

#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace aap::configurator {

using namespace Qt::StringLiterals;
using config::IdentityKind;
using config::SettingScope;

namespace {

const QString kDefault = u"default"_s;

} // namespace

ScopedPage::ScopedPage(ConfigDocument &document, SettingScope scope, gsl::not_null<const Clock *> clock,
                       QWidget *parent)
    : QWidget(parent), m_document(document), m_scope(scope), m_clock(clock), m_list(new QListWidget(this)),
      m_add(new QPushButton(this)), m_remove(new QPushButton(this)), m_scroll(new QScrollArea(this))
{
    const bool routes = scope == SettingScope::Route;
    m_list->setObjectName(routes ? u"routeList"_s : u"identityList"_s);
    m_add->setText(routes ? tr("&Add route…") : tr("&Add identity…"));
    m_remove->setText(routes ? tr("&Remove route") : tr("&Remove identity"));
    auto *left = new QVBoxLayout;
    auto *heading = new QLabel(routes ? tr("Routes (by path prefix):") : tr("Identities:"), this);
    heading->setBuddy(m_list);
    left->addWidget(heading);
    left->addWidget(m_list, 1);
    left->addWidget(m_add);
    left->addWidget(m_remove);
    m_list->setMaximumWidth(180);

    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left);
    layout->addWidget(m_scroll, 1);

    connect(m_list, &QListWidget::currentTextChanged, this, [this](const QString &name) {
        if (!name.isEmpty() && name != m_current)
            showScope(name);
        updateButtons();
    });
    connect(m_add, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(
            this, m_add->text().remove(QLatin1Char('&')).remove(u"…"_s),
            tr("Name (letters, digits, '-', '.', '_'):"), QLineEdit::Normal, QString(), &ok);
        if (ok && !name.isEmpty() && !add(name))
            QMessageBox::warning(this, windowTitle(),
                                 tr("'%1' cannot be used: the name is taken or has other characters than "
                                    "letters, digits, '-', '.' and '_'.")
                                     .arg(name));
    });
    connect(m_remove, &QPushButton::clicked, this, [this] { removeSelected(); });
    connect(&m_document, &ConfigDocument::scopesChanged, this, &ScopedPage::rebuildList);
    rebuildList();
}

bool ScopedPage::identityUses(IdentityKind kind, const QString &key)
{
    if (key == u"type")
        return true;
    static const QStringList entra{u"tenant_id"_s, u"client_id"_s, u"cloud"_s, u"authority_host"_s};
    static const QStringList credentials{u"certificate_path"_s,     u"certificate_key_path"_s,
                                         u"certificate_password"_s, u"send_certificate_chain"_s,
                                         u"assertion_algorithm"_s,  u"client_secret"_s,
                                         u"client_secret_file"_s};
    switch (kind) {
    case IdentityKind::SystemAssigned:
        return false;
    case IdentityKind::UserAssigned:
        return key == u"client_id" || key == u"object_id" || key == u"resource_id";
    case IdentityKind::AadApplication:
        return entra.contains(key) || credentials.contains(key);
    case IdentityKind::WorkloadIdentity:
        return entra.contains(key) || key == u"federated_token_file";
    case IdentityKind::Default:
        return entra.contains(key) || credentials.contains(key) || key == u"federated_token_file";
    }
    return false;
}

void ScopedPage::rebuildList()
{
    const QStringList names = m_document.scopeNames(m_scope);
    const QString keep = names.contains(m_current) ? m_current : names.value(0);
    {
        const QSignalBlocker block(m_list);
        m_list->clear();
        m_list->addItems(names);
    }
    m_current.clear();
    select(keep);
}

void ScopedPage::select(const QString &name)
{
    const auto items = m_list->findItems(name, Qt::MatchExactly);
    if (!items.isEmpty())
        m_list->setCurrentItem(items.first());
    if (m_current != name)
        showScope(name);
    updateButtons();
}

bool ScopedPage::add(const QString &name)
{
    if (!m_document.addScope(m_scope, name))
        return false;
    select(name);
    return true;
}

bool ScopedPage::removeSelected()
{
    if (m_current.isEmpty() || m_current == kDefault)
        return false;
    return m_document.removeScope(m_scope, m_current);
}

void ScopedPage::updateButtons()
{
    // The default route and identity always exist (environment variables set them).
    m_remove->setEnabled(!m_current.isEmpty() && m_current != kDefault);
}

void ScopedPage::showScope(const QString &name)
{
    m_current = name;
    QList<const config::SettingDescriptor *> settings;
    for (const auto &setting : config::SettingCatalog::all()) {
        if (setting.scope == m_scope)
            settings.append(&setting);
    }
    const bool routes = m_scope == SettingScope::Route;
    SettingsForm::Group group{routes ? tr("Route '%1'").arg(name) : tr("Identity '%1'").arg(name),
                              routes ? tr("Requests whose path starts with the prefix go to the target "
                                          "with a token for the audience.")
                                     : tr("Where the proxy gets its tokens. The type decides which "
                                          "fields apply."),
                              settings};
    m_inspector = nullptr;
    m_form = new SettingsForm(m_document, {group}, name);
    if (routes) {
        if (SettingField *identity = m_form->field(u"route"_s, u"identity"_s))
            identity->setChoices(m_document.scopeNames(SettingScope::Identity));
    } else {
        m_form->setRule([this, name](const config::SettingDescriptor &setting) {
            for (const auto &identity : m_document.loaded().config.identities) {
                if (identity.name == name)
                    return identityUses(identity.kind, setting.key);
            }
            return true;
        });
        m_inspector = new CertificateInspector(m_document, name, m_clock);
        m_form->addBelow(u"identity"_s, u"certificate_path"_s, m_inspector);
    }
    // The scroll area deletes the previous form (and with it its fields).
    m_scroll->setWidget(m_form);
}

} // namespace aap::configurator
