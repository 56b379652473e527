#include "ui/MainWindow.h"

#include "ipc/ControlClient.h"
#include "ipc/ControlEndpoint.h"
#include "ipc/MessageTypes.h"
#include "models/ConfigDocument.h"
#include "ui/ScopedPage.h"
#include "ui/SettingField.h"
#include "ui/SettingLabels.h"
#include "ui/SettingsForm.h"
#include "ui/StatusPage.h"

#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace aap::configurator {

using namespace Qt::StringLiterals;
using config::SettingDescriptor;

namespace {

const SettingDescriptor *setting(const QString &section, const QString &key)
{
    const SettingDescriptor *found = config::SettingCatalog::find(section, key);
    Expects(found != nullptr);
    return found;
}

QList<const SettingDescriptor *> section(const QString &name, const QStringList &except = {})
{
    QList<const SettingDescriptor *> settings;
    for (const auto &candidate : config::SettingCatalog::all()) {
        if (candidate.section == name && !except.contains(candidate.key))
            settings.append(&candidate);
    }
    return settings;
}

QScrollArea *scrolled(QWidget *content)
{
    auto *area = new QScrollArea;
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setWidget(content);
    return area;
}

} // namespace

MainWindow::MainWindow(ConfigDocument &document, gsl::not_null<const Clock *> clock, QWidget *parent)
    : QMainWindow(parent), m_document(document), m_clock(clock), m_navigation(new QListWidget(this)),
      m_pages(new QStackedWidget(this)), m_sources(new QLabel(this)), m_summary(new QLabel(this)),
      m_issues(new QListWidget(this))
{
    using Group = SettingsForm::Group;
    const QString route = u"default"_s;
    QList<Group> target{
        {tr("Target"),
         tr("Where requests are forwarded, and the resource the token is for."),
         {setting(u"route"_s, u"target_host"_s), setting(u"route"_s, u"audience"_s)}},
        {tr("Listener"), tr("Where local programs send their requests."), section(u"listener"_s)},
        {tr("Connections to the target"), QString(), section(u"upstream"_s)},
        {tr("Request limits"), QString(), section(u"limits"_s, {u"token_wait_timeout_ms"_s})},
        {tr("Service"), QString(), section(u"service"_s)},
    };
    // The listener's inbound protection belongs on the security page.
    const QStringList securityKeys{u"tls_certificate"_s,       u"tls_key"_s,       u"tls_key_password"_s,
                                   u"tls_key_password_file"_s, u"api_keys"_s,      u"api_keys_file"_s,
                                   u"api_key_header"_s,        u"allowed_cidrs"_s, u"client_ca"_s};
    target[1].settings = section(u"listener"_s, securityKeys);
    QList<Group> token{
        {tr("Token refresh"),
         tr("The proxy refreshes its token before it expires; requests never wait for a refresh."),
         {setting(u"token"_s, u"refresh_percent"_s), setting(u"token"_s, u"request_timeout_ms"_s),
          setting(u"limits"_s, u"token_wait_timeout_ms"_s)}},
        {tr("Outbound proxy"),
         tr("Used to reach the targets and Entra ID (a route may name its own); never for the managed "
            "identity endpoints."),
         section(u"outbound_proxy"_s)},
    };
    QList<Group> telemetry{
        {tr("Telemetry"), QString(), section(u"telemetry"_s)},
        {tr("Logging"), QString(), section(u"log"_s)},
    };
    QList<const SettingDescriptor *> inbound;
    for (const QString &key : securityKeys)
        inbound.append(setting(u"listener"_s, key));
    QList<Group> security{
        {tr("Inbound protection"),
         tr("Listener TLS, API keys, allowed address ranges and client certificates, each optional and "
            "combinable (docs/security.md). A listen address other than 127.0.0.1 or ::1 without any of "
            "them lets every program that reaches the port send requests with the proxy's identity."),
         inbound},
        {tr("Control socket"), tr("The configurator talks to the running service through it."),
         section(u"control"_s)},
    };
    // Settings no page names (added by a newer catalog) still get a place.
    QSet<const SettingDescriptor *> placed;
    for (const auto *groups : {&target, &token, &telemetry, &security}) {
        for (const Group &group : *groups) {
            for (const auto *placedSetting : group.settings)
                placed.insert(placedSetting);
        }
    }
    QList<const SettingDescriptor *> other;
    for (const auto &candidate : config::SettingCatalog::all()) {
        if (candidate.scope == config::SettingScope::Global && !placed.contains(&candidate))
            other.append(&candidate);
    }
    if (!other.isEmpty())
        target.append({tr("Other settings"), QString(), other});

    addPage(tr("Target & listener"), scrolled(new SettingsForm(document, target, route)));
    m_identityPage = new ScopedPage(document, config::SettingScope::Identity, clock);
    addPage(tr("Identity"), m_identityPage);
    addPage(tr("Token refresh"), scrolled(new SettingsForm(document, token, route)));
    addPage(tr("Telemetry"), scrolled(new SettingsForm(document, telemetry, route)));
    addPage(tr("Security"), scrolled(new SettingsForm(document, security, route)));
    m_routesPage = new ScopedPage(document, config::SettingScope::Route, clock);
    addPage(tr("Routes"), m_routesPage);

    m_navigation->setObjectName(u"navigation"_s);
    m_navigation->setMaximumWidth(m_navigation->sizeHintForColumn(0) + 40);
    m_navigation->setCurrentRow(0);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    m_sources->setObjectName(u"sources"_s);
    m_sources->setWordWrap(true);
    m_sources->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setObjectName(u"summary"_s);
    m_summary->setWordWrap(true);
    m_issues->setObjectName(u"issues"_s);
    m_issues->setWordWrap(true);
    m_issues->setMinimumHeight(4 * m_issues->fontMetrics().lineSpacing() + 16);
    m_issues->setToolTip(tr("Double-click or press Enter to go to the setting"));
    connect(m_issues, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { jumpTo(item->data(Qt::UserRole).toString()); });

    auto *top = new QWidget(this);
    auto *topLayout = new QHBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_navigation);
    topLayout->addWidget(m_pages, 1);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_summary);
    bottomLayout->addWidget(m_issues);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->addWidget(m_sources);
    centralLayout->addWidget(splitter, 1);
    setCentralWidget(central);

    createActions();
    connect(&m_document, &ConfigDocument::changed, this, &MainWindow::refresh);
    refresh();
    resize(1100, 780);
}

void MainWindow::addPage(const QString &title, QWidget *page)
{
    page->setObjectName(title);
    m_pages->addWidget(page);
    m_navigation->addItem(title);
}

QStringList MainWindow::pageTitles() const
{
    QStringList titles;
    for (int i = 0; i < m_navigation->count(); ++i)
        titles.append(m_navigation->item(i)->text());
    return titles;
}

void MainWindow::showPage(const QString &title)
{
    const int index = static_cast<int>(pageTitles().indexOf(title));
    if (index >= 0)
        m_navigation->setCurrentRow(index);
}

QWidget *MainWindow::page(const QString &title) const
{
    const int index = static_cast<int>(pageTitles().indexOf(title));
    return index >= 0 ? m_pages->widget(index) : nullptr;
}

SettingField *MainWindow::field(const QString &settingId) const
{
    const auto fields = m_pages->findChildren<SettingField *>();
    for (SettingField *candidate : fields) {
        if (candidate->settingId() == settingId)
            return candidate;
    }
    return nullptr;
}

QString MainWindow::summaryText() const
{
    return m_summary->text();
}

QString MainWindow::sourcesText() const
{
    return m_sources->text();
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QToolBar *bar = addToolBar(tr("File"));
    bar->setObjectName(u"fileToolBar"_s);
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    QAction *open = file->addAction(
        style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"), QKeySequence::Open, this, [this] {
            const QString path =
                QFileDialog::getOpenFileName(this, tr("Open configuration"), m_document.path(),
                                             tr("Configuration (*.conf);;All files (*)"));
            if (!path.isEmpty())
                openFile(path);
        });
    QAction *save = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save"),
                                    QKeySequence::Save, this, [this] { saveFile(); });
    file->addAction(tr("Save &as…"), QKeySequence::SaveAs, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save configuration"), m_document.path(),
                                                          tr("Configuration (*.conf);;All files (*)"));
        if (path.isEmpty())
            return;
        if (auto saved = m_document.saveAs(path); !saved)
            showError(saved.error());
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    m_applyAction =
        file->addAction(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("A&pply to service"),
                        QKeySequence(Qt::CTRL | Qt::Key_Return), this, &MainWindow::apply);
    m_applyAction->setToolTip(tr("Send the configuration to the running service, which validates, backs up, "
                                 "writes and reloads it; saves the file when the service does not run"));
    bar->addAction(open);
    bar->addAction(save);
    bar->addAction(m_applyAction);
}

bool MainWindow::openFile(const QString &path)
{
    if (auto opened = m_document.open(path); !opened) {
        showError(opened.error());
        return false;
    }
    return true;
}

bool MainWindow::saveFile()
{
    const QFileInfo target(m_document.path());
    const QFileInfo directory(target.absolutePath());
    // QSaveFile writes a temporary file next to the target: the directory must be writable.
    if ((target.exists() && !target.isWritable()) || (directory.exists() && !directory.isWritable())) {
        showError(tr("You do not have the rights to change %1.\n\nRun the configurator as an administrator "
                     "(for example with sudo), or ask one to apply the change.")
                      .arg(m_document.path()));
        return false;
    }
    if (auto saved = m_document.save(); !saved) {
        showError(saved.error());
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(m_document.path()), 5000);
    return true;
}

void MainWindow::setControlClient(ipc::ControlClient *client)
{
    Expects(m_client == nullptr && client != nullptr);
    m_client = client;
    m_statusPage = new StatusPage(*client, m_clock);
    addPage(tr("Status"), m_statusPage);
}

void MainWindow::apply()
{
    const bool connected = m_client && m_client->state() == ipc::ControlClient::State::Connected;
    if (!connected) {
        if (saveFile())
            statusBar()->showMessage(
                tr("The service is not running: saved %1; it is used when the service starts.")
                    .arg(m_document.path()),
                10'000);
        return;
    }
    if (m_document.loaded().hasErrors()) {
        showError(tr("The configuration has errors (see the list below); the service would refuse it."));
        return;
    }
    if (!m_client->serviceInfo().canWrite) {
        showError(tr("You may not change the running service's configuration. Join the group %1 "
                     "(sudo usermod -aG %1 $USER), log in again, and retry.")
                      .arg(ipc::ControlEndpoint::adminGroup()));
        return;
    }
    // No secret crosses the control socket: a secret typed here has to go into the file.
    if (m_document.secretsEdited()) {
        showError(
            tr("A secret was changed. Secrets are never sent to the service over the control socket: "
               "use Save to write the file (this needs the right to write it); the service reads it when "
               "it reloads."));
        return;
    }
    m_applyAction->setEnabled(false);
    statusBar()->showMessage(tr("Applying…"));
    m_client->request(
        ipc::types::kConfigApply, QJsonObject{{u"text"_s, m_document.textWithoutSecrets()}}, this,
        [this](const ipc::ControlClient::Result &answer) {
            m_applyAction->setEnabled(true);
            if (!answer) {
                statusBar()->clearMessage();
                showError(tr("The service did not apply the configuration: %1").arg(answer.error().message));
                return;
            }
            const QJsonObject reload = answer->value(u"reload"_s).toObject();
            const QString backup = answer->value(u"backup"_s).toString();
            const QString message = reload.value(u"message"_s).toString();
            if (!reload.value(u"ok"_s).toBool()) {
                showError(tr("The service wrote the configuration but its reload failed: %1").arg(message));
                return;
            }
            statusBar()->showMessage(tr("Applied and reloaded%1%2")
                                         .arg(message.isEmpty() ? QString() : u": "_s + message,
                                              backup.isEmpty() ? QString() : tr(" (backup: %1)").arg(backup)),
                                     15'000);
            // The service wrote the file: read it back, so the window shows what is on disk.
            if (QFileInfo(m_document.path()).isReadable())
                openFile(m_document.path());
        },
        std::chrono::seconds{60});
}

void MainWindow::refresh()
{
    const auto &issues = m_document.loaded().issues;
    m_issues->clear();
    int errors = 0;
    for (const auto &issue : issues) {
        QString where = issue.setting;
        if (!issue.setting.isEmpty()) {
            const QStringList parts = issue.setting.split(QLatin1Char('.'));
            if (const auto *known = config::SettingCatalog::find(parts.first(), parts.last())) {
                where = SettingLabels::label(*known);
                if (parts.size() == 3)
                    where += u" ("_s + parts.at(0) + u" '"_s + parts.at(1) + u"')"_s;
            }
        }
        const QString text = (issue.isError() ? tr("Error") : tr("Warning")) + u": "_s +
                             (where.isEmpty() ? QString() : where + u" – "_s) + issue.message + u"  ["_s +
                             m_document.originText(issue.origin) + u"]"_s;
        auto *item = new QListWidgetItem(text, m_issues);
        item->setData(Qt::UserRole, issue.setting);
        const auto icon = issue.isError() ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning;
        item->setIcon(style()->standardIcon(icon));
        errors += issue.isError() ? 1 : 0;
    }
    const auto warnings = static_cast<int>(issues.size()) - errors;
    const auto count = [](int n, const QString &one, const QString &many) {
        return n == 1 ? one : many.arg(n);
    };
    m_summary->setText(errors == 0 ? tr("Valid: the service will start with this configuration (%1).")
                                         .arg(count(warnings, tr("1 warning"), tr("%1 warnings")))
                                   : tr("%1: the service would refuse this configuration.")
                                         .arg(count(errors, tr("1 error"), tr("%1 errors"))));

    QStringList sources{tr("Validated with: the file %1").arg(m_document.path())};
    const EnvironmentFile &environment = m_document.environmentFile();
    if (!m_document.environmentProblem().isEmpty())
        sources.append(m_document.environmentProblem());
    else if (!environment.path().isEmpty())
        sources.append(environment.exists()
                           ? tr("the environment file %1 (sets %2)")
                                 .arg(environment.path(), count(m_document.settingsFromEnvironmentFile(),
                                                                tr("1 setting"), tr("%1 settings")))
                           : tr("the environment file %1 (not present)").arg(environment.path()));
    sources.append(
        tr("this session's environment (sets %1)")
            .arg(count(m_document.settingsFromProcessEnvironment(), tr("1 setting"), tr("%1 settings"))));
    m_sources->setText(sources.join(u"; "_s) + u"."_s);

    setWindowTitle(tr("%1%2 – aad-auth-proxy configurator")
                       .arg(m_document.path().isEmpty() ? tr("untitled") : m_document.path(),
                            m_document.isModified() ? u"*"_s : QString()));
}

void MainWindow::jumpTo(const QString &settingId)
{
    const QStringList parts = settingId.split(QLatin1Char('.'));
    if (parts.size() == 3 && (parts.first() == u"route" || parts.first() == u"identity")) {
        ScopedPage *scoped = parts.first() == u"route" ? m_routesPage : m_identityPage;
        scoped->select(parts.at(1));
    }
    SettingField *target = field(settingId);
    if (!target)
        return;
    for (int i = 0; i < m_pages->count(); ++i) {
        if (m_pages->widget(i)->isAncestorOf(target))
            m_navigation->setCurrentRow(i);
    }
    target->setFocus(Qt::OtherFocusReason);
}

void MainWindow::showError(const QString &message)
{
    QMessageBox::warning(this, tr("aad-auth-proxy configurator"), message);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_document.isModified()) {
        event->accept();
        return;
    }
    const auto answer =
        QMessageBox::question(this, tr("Unsaved changes"), tr("Save the changes before closing?"),
                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel || (answer == QMessageBox::Save && !saveFile())) {
        event->ignore();
        return;
    }
    event->accept();
}

} // namespace aap::configurator
