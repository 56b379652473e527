#pragma once

#include "config/ConfigLoader.h"
#include "control/ControlHandler.h"
#include "control/ServiceView.h"
#include "control/StatusCollector.h"
#include "core/Clock.h"

#include <QObject>

#include <functional>

namespace aap::control {

// The running service's answers to control requests: status from the collector, the
// configuration file (secrets redacted), validation with the service's own environment, apply
// (validate, back up, write atomically, reload), refresh now, and diagnose.
class ServiceControl : public QObject, public ControlHandler {
    Q_OBJECT

public:
    // What a reload did: ok, and the messages for the administrator.
    struct ReloadOutcome {
        bool ok = false;
        QStringList messages;
    };
    using Reload = std::function<ReloadOutcome()>;
    using Diagnose = std::function<void(std::function<void(QJsonObject)>)>;

    // sources: what the service was started from (file, environment, flags); reload may be empty
    // when the service cannot reload (config.apply then answers unavailable).
    ServiceControl(Clock &clock, ServiceView view, config::ConfigSources sources, QString configPath,
                   Reload reload, Diagnose diagnose, QObject *parent = nullptr);

    void handle(const QString &type, const QJsonObject &payload, bool mayWrite, Reply reply) override;
    [[nodiscard]] QJsonObject status() override { return m_collector.status(); }
    [[nodiscard]] bool takeChanged() override { return m_collector.sample(); }

    // Loads and validates the configuration from `sources`, as the service does at start.
    [[nodiscard]] static config::LoadedConfig load(const config::ConfigSources &sources);
    // The file text with every secret value replaced by <redacted>.
    [[nodiscard]] static QString redact(const QString &text);
    // `text` with each <redacted> secret replaced by the value `current` holds for it (removed
    // when `current` has none).
    [[nodiscard]] static QString unredact(const QString &text, const QString &current);

private:
    [[nodiscard]] Result configGet() const;
    [[nodiscard]] Result configValidate(const QJsonObject &payload) const;
    [[nodiscard]] Result configApply(const QJsonObject &payload);
    // Loads and validates `text` as the configuration file, with the service's environment and flags.
    [[nodiscard]] config::LoadedConfig validateText(const QString &text) const;

    ServiceView m_view;
    StatusCollector m_collector;
    config::ConfigSources m_sources;
    QString m_configPath;
    Reload m_reload;
    Diagnose m_diagnose;
    bool m_diagnosing = false;
    QList<Reply> m_diagnoseWaiters;
};

} // namespace aap::control
