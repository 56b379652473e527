#pragma once

#include "core/Clock.h"

#include <QMainWindow>
#include <QStringList>

#include <gsl/pointers>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace aap::ipc {
class ControlClient;
}

namespace aap::configurator {

class ConfigDocument;
class ScopedPage;
class SettingField;
class StatusPage;

// The configurator's window: pages grouped as an administrator thinks (target and listener,
// identity, token refresh, telemetry, security, routes, status) on the left, the page on the
// right, the sources validated with above, and the validator's summary below. File actions save
// atomically; Apply hands the configuration to the running service.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    MainWindow(ConfigDocument &document, gsl::not_null<const Clock *> clock, QWidget *parent = nullptr);

    // Page titles in navigation order.
    [[nodiscard]] QStringList pageTitles() const;
    void showPage(const QString &title);
    [[nodiscard]] QWidget *page(const QString &title) const;
    // The field of a setting id ("listener.port", "identity.default.client_id") on any page; the
    // route and identity pages show their selected one only.
    [[nodiscard]] SettingField *field(const QString &settingId) const;
    [[nodiscard]] ScopedPage *identityPage() const { return m_identityPage; }
    [[nodiscard]] ScopedPage *routesPage() const { return m_routesPage; }
    [[nodiscard]] QListWidget *issuesView() const { return m_issues; }
    [[nodiscard]] QString summaryText() const;
    [[nodiscard]] QString sourcesText() const;

    // Adds the Status page and lets Apply go through the running service.
    void setControlClient(ipc::ControlClient *client);
    [[nodiscard]] StatusPage *statusPage() const { return m_statusPage; }

    bool openFile(const QString &path);
    bool saveFile();
    // Through the service when it runs (validated, backed up, reloaded); else the file directly.
    void apply();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void addPage(const QString &title, QWidget *page);
    void refresh();
    void jumpTo(const QString &settingId);
    void showError(const QString &message);

    ConfigDocument &m_document;
    gsl::not_null<const Clock *> m_clock;
    QListWidget *m_navigation;
    QStackedWidget *m_pages;
    QLabel *m_sources;
    QLabel *m_summary;
    QListWidget *m_issues;
    ScopedPage *m_identityPage = nullptr;
    ScopedPage *m_routesPage = nullptr;
    StatusPage *m_statusPage = nullptr;
    ipc::ControlClient *m_client = nullptr;
    QAction *m_applyAction = nullptr;
};

} // namespace aap::configurator
