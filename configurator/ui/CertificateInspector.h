#pragma once

#include "config/CertificateInfo.h"
#include "core/Clock.h"

#include <QFrame>
#include <QString>

#include <gsl/pointers>

class QFormLayout;
class QLabel;

namespace aap::configurator {

class ConfigDocument;

// Shows what is in an identity's client certificate file: subject, issuer, thumbprint, expiry
// (warned under 30 days), whether the file holds the matching private key, and whether it needs a
// password and got the right one. It reads the files the effective configuration names, with the
// configured password, exactly as the service's start-up check does.
class CertificateInspector : public QFrame {
    Q_OBJECT

public:
    static constexpr int kWarnDays = 30;

    CertificateInspector(ConfigDocument &document, QString identityName, gsl::not_null<const Clock *> clock,
                         QWidget *parent = nullptr);

    [[nodiscard]] const config::CertificateInfo &info() const { return m_info; }
    // The line texts, for tests and screen readers: "subject", "issuer", "thumbprint", "expiry",
    // "key", "password", "verdict".
    [[nodiscard]] QString text(const QString &line) const;
    [[nodiscard]] bool expiryWarned() const { return m_expiryWarned; }

    void refresh();

private:
    QLabel *addLine(const QString &name, const QString &title);

    ConfigDocument &m_document;
    QFormLayout *m_form = nullptr;
    QString m_identityName;
    gsl::not_null<const Clock *> m_clock;
    config::CertificateInfo m_info;
    bool m_expiryWarned = false;
};

} // namespace aap::configurator
