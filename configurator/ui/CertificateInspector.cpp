#include "ui/CertificateInspector.h"

#include "config/CertificateCheck.h"
#include "models/ConfigDocument.h"

#include <QFormLayout>
#include <QLabel>
#include <QLocale>

#include <chrono>

namespace aap::configurator {

using namespace Qt::StringLiterals;
using config::CertificateInfo;

CertificateInspector::CertificateInspector(ConfigDocument &document, QString identityName,
                                           gsl::not_null<const Clock *> clock, QWidget *parent)
    : QFrame(parent), m_document(document), m_form(new QFormLayout(this)),
      m_identityName(std::move(identityName)), m_clock(clock)
{
    setObjectName(u"certificateInspector"_s);
    setFrameShape(QFrame::StyledPanel);
    m_form->setLabelAlignment(Qt::AlignLeft);
    addLine(u"verdict"_s, tr("Certificate:"));
    addLine(u"subject"_s, tr("Subject:"));
    addLine(u"issuer"_s, tr("Issuer:"));
    addLine(u"thumbprint"_s, tr("Thumbprint (SHA-1):"));
    addLine(u"expiry"_s, tr("Valid until:"));
    addLine(u"key"_s, tr("Private key:"));
    addLine(u"password"_s, tr("Password:"));
    connect(&m_document, &ConfigDocument::changed, this, &CertificateInspector::refresh);
    refresh();
}

QLabel *CertificateInspector::addLine(const QString &name, const QString &title)
{
    auto *value = new QLabel(this);
    value->setObjectName(name);
    value->setWordWrap(true);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_form->addRow(title, value);
    return value;
}

QString CertificateInspector::text(const QString &line) const
{
    const auto *label = findChild<QLabel *>(line);
    return label ? label->text() : QString();
}

void CertificateInspector::refresh()
{
    const config::IdentityConfig *identity = nullptr;
    for (const auto &candidate : m_document.loaded().config.identities) {
        if (candidate.name == m_identityName)
            identity = &candidate;
    }
    auto *form = m_form;
    auto set = [&](const QString &name, const QString &value) {
        auto *label = findChild<QLabel *>(name);
        label->setText(value);
        form->setRowVisible(label, !value.isEmpty());
    };
    m_expiryWarned = false;
    if (!identity || identity->certificatePath.isEmpty()) {
        m_info = CertificateInfo();
        set(u"verdict"_s, tr("no certificate file chosen"));
        for (const QString &line :
             {u"subject"_s, u"issuer"_s, u"thumbprint"_s, u"expiry"_s, u"key"_s, u"password"_s})
            set(line, QString());
        return;
    }
    m_info = config::CertificateCheck::inspect(identity->certificatePath, identity->certificateKeyPath,
                                               identity->certificatePassword);
    const bool pfx = m_info.format == CertificateInfo::Format::Pfx;
    QString verdict;
    if (m_info.format == CertificateInfo::Format::Unreadable)
        verdict = m_info.problem;
    else
        verdict = (pfx ? tr("PFX/PKCS#12 file") : tr("PEM file")) + u" – "_s +
                  (m_info.usable() ? tr("usable") : m_info.problem);
    set(u"verdict"_s, verdict);
    set(u"subject"_s, m_info.subject);
    set(u"issuer"_s, m_info.issuer);
    QString thumbprint = m_info.thumbprint;
    for (qsizetype i = thumbprint.size() - 2; i > 0; i -= 2)
        thumbprint.insert(i, QLatin1Char(':'));
    set(u"thumbprint"_s, thumbprint);

    QString expiry;
    if (m_info.notAfter.isValid()) {
        const auto now = m_clock->now();
        const auto nowSeconds =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        const qint64 left = m_info.notAfter.toSecsSinceEpoch() - nowSeconds;
        const qint64 days = left / 86'400;
        expiry = QLocale().toString(m_info.notAfter, u"d MMM yyyy, HH:mm 'UTC'"_s);
        if (left <= 0) {
            expiry += u" – "_s + tr("EXPIRED: Entra ID refuses it; upload a new certificate");
            m_expiryWarned = true;
        } else if (days < kWarnDays) {
            expiry += u" – "_s + (days == 1 ? tr("expires in 1 day: renew it now")
                                            : tr("expires in %1 days: renew it soon").arg(days));
            m_expiryWarned = true;
        } else {
            expiry += u" "_s + tr("(%1 days left)").arg(days);
        }
    }
    set(u"expiry"_s, expiry);

    QString key;
    switch (m_info.key) {
    case CertificateInfo::Key::Matching:
        key = identity->certificateKeyPath.isEmpty() ? tr("in the file, matches the certificate")
                                                     : tr("in the key file, matches the certificate");
        break;
    case CertificateInfo::Key::Missing:
        key = tr("missing: the file holds no private key");
        break;
    case CertificateInfo::Key::Mismatch:
        key = tr("does not belong to this certificate");
        break;
    case CertificateInfo::Key::Locked:
        key = tr("locked by a password");
        break;
    }
    set(u"key"_s, m_info.format == CertificateInfo::Format::Unreadable ? QString() : key);

    QString password;
    if (m_info.passwordRequired)
        password = m_info.passwordAccepted ? tr("needed, and the configured one opens the file")
                   : identity->certificatePassword.isEmpty() ? tr("needed: set the certificate password")
                                                             : tr("needed: the configured password is wrong");
    else if (m_info.format != CertificateInfo::Format::Unreadable)
        password = tr("not needed");
    set(u"password"_s, password);

    QPalette palette = this->palette();
    auto *expiryLabel = findChild<QLabel *>(u"expiry"_s);
    QPalette expiryPalette = palette;
    if (m_expiryWarned)
        expiryPalette.setColor(QPalette::WindowText, QColor(0xa4, 0x00, 0x1d));
    expiryLabel->setPalette(expiryPalette);
}

} // namespace aap::configurator
