#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QTableView;

namespace aap::configurator {

class ConfigDocument;
class SettingsModel;

// The configurator's window: every setting of one config file in an editable table, the
// validation result of the service's own validator below it, and file actions.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(ConfigDocument &document, QWidget *parent = nullptr);

    [[nodiscard]] QTableView *settingsView() const { return m_table; }
    [[nodiscard]] QListWidget *issuesView() const { return m_issues; }

    bool openFile(const QString &path);
    bool saveFile();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void refresh();
    void showError(const QString &message);

    ConfigDocument &m_document;
    SettingsModel *m_model;
    QTableView *m_table;
    QListWidget *m_issues;
    QLabel *m_summary;
};

} // namespace aap::configurator
