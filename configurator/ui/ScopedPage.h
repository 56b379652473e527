#pragma once

#include "config/SettingCatalog.h"
#include "core/Clock.h"

#include <QString>
#include <QWidget>

#include <gsl/pointers>

class QListWidget;
class QPushButton;
class QScrollArea;

namespace aap::configurator {

class CertificateInspector;
class ConfigDocument;
class SettingsForm;

// The page of the routes or of the identities: the list of them on the left (the implicit
// "default" one and the named sections of the file), added and removed there, and the form of the
// selected one on the right. On the identity page the type decides which fields show, and a
// certificate inspector sits under the certificate file.
class ScopedPage : public QWidget {
    Q_OBJECT

public:
    ScopedPage(ConfigDocument &document, config::SettingScope scope, gsl::not_null<const Clock *> clock,
               QWidget *parent = nullptr);

    [[nodiscard]] QListWidget *list() const { return m_list; }
    [[nodiscard]] SettingsForm *form() const { return m_form; }
    [[nodiscard]] CertificateInspector *inspector() const { return m_inspector; }
    void select(const QString &name);
    bool add(const QString &name);
    bool removeSelected();

    // Which identity settings an identity kind uses: the others are hidden.
    [[nodiscard]] static bool identityUses(config::IdentityKind kind, const QString &key);

private:
    void rebuildList();
    void showScope(const QString &name);
    void updateButtons();

    ConfigDocument &m_document;
    config::SettingScope m_scope;
    gsl::not_null<const Clock *> m_clock;
    QListWidget *m_list;
    QPushButton *m_add;
    QPushButton *m_remove;
    QScrollArea *m_scroll;
    SettingsForm *m_form = nullptr;
    CertificateInspector *m_inspector = nullptr;
    QString m_current;
};

} // namespace aap::configurator
