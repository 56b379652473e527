#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"
#include "inbound/ClientCertificateVerifier.h"

#include <QDateTime>
#include <QMutex>
#include <QSslConfiguration>
#include <QString>

#include <memory>

namespace aap::inbound {

// The listener's TLS server configuration: certificate and key (PEM or PFX) and, for mutual TLS,
// the client CA bundle. Workers take a copy for every accepted connection; reloadIfChanged()
// swaps in a new certificate when its files change, so a renewed certificate is served without a
// restart while connections already open keep the old one. Thread-safe.
class ListenerTls {
public:
    [[nodiscard]] static Expected<std::unique_ptr<ListenerTls>, QString>
    create(const config::ListenerConfig &listener);

    [[nodiscard]] QSslConfiguration configuration() const;
    // Mutual TLS: whether a client's chain leads to the client CA bundle (false without client_ca).
    [[nodiscard]] bool trustsClient(const QList<QSslCertificate> &chain) const;
    // True when new files were loaded. A file that cannot be loaded (half-written, wrong password)
    // is logged and the previous certificate stays in service.
    bool reloadIfChanged();

private:
    struct Stamp {
        QDateTime modified;
        qint64 size = -1;
        friend bool operator==(const Stamp &, const Stamp &) = default;
    };
    explicit ListenerTls(config::ListenerConfig listener) : m_listener(std::move(listener)) {}
    struct Loaded {
        QSslConfiguration configuration;
        std::shared_ptr<const ClientCertificateVerifier> verifier; // null without client_ca
    };
    [[nodiscard]] Expected<Loaded, QString> load() const;
    [[nodiscard]] QList<Stamp> stamps() const;

    const config::ListenerConfig m_listener;
    mutable QMutex m_mutex;
    QSslConfiguration m_configuration;
    std::shared_ptr<const ClientCertificateVerifier> m_verifier;
    QList<Stamp> m_stamps;
};

} // namespace aap::inbound
