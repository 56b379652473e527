#include "ui/MainWindow.h"

#include "models/ConfigDocument.h"
#include "models/SettingsModel.h"
#include "ui/SettingDelegate.h"

#include <QCloseEvent>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include <gsl/narrow>

namespace aap::configurator {

using namespace Qt::StringLiterals;

MainWindow::MainWindow(ConfigDocument &document, QWidget *parent)
    : QMainWindow(parent), m_document(document), m_model(new SettingsModel(document, this)),
      m_table(new QTableView(this)), m_issues(new QListWidget(this)), m_summary(new QLabel(this))
{
    m_table->setModel(m_model);
    m_table->setItemDelegate(new SettingDelegate(m_table));
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                             QAbstractItemView::AnyKeyPressed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(SettingsModel::SettingColumn,
                                                      QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_summary);
    bottomLayout->addWidget(m_issues);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    createActions();
    connect(&m_document, &ConfigDocument::changed, this, &MainWindow::refresh);
    refresh();
    resize(1100, 700);
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open configuration"), m_document.path(),
                                                          tr("Configuration (*.conf);;All files (*)"));
        if (!path.isEmpty())
            openFile(path);
    });
    file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { saveFile(); });
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
    if (auto saved = m_document.save(); !saved) {
        showError(saved.error());
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(m_document.path()), 5000);
    return true;
}

void MainWindow::refresh()
{
    const auto &issues = m_document.loaded().issues;
    m_issues->clear();
    int errors = 0;
    for (const auto &issue : issues) {
        auto *item = new QListWidgetItem(issue.toString(), m_issues);
        item->setForeground(issue.isError() ? QColor(0xb0, 0x00, 0x20) : QColor(0x8a, 0x5a, 0x00));
        errors += issue.isError() ? 1 : 0;
    }
    const auto warnings = gsl::narrow<int>(issues.size()) - errors;
    m_summary->setText(errors == 0
                           ? tr("Valid: the service will start with this file (%n warning(s)).", "", warnings)
                           : tr("%n error(s): the service would refuse this file.", "", errors));
    setWindowTitle(tr("%1%2 – aad-auth-proxy configurator")
                       .arg(m_document.path().isEmpty() ? tr("untitled") : m_document.path(),
                            m_document.isModified() ? u"*"_s : QString()));
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
