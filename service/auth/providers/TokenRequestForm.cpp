#include "auth/providers/TokenRequestForm.h"

#include <QUrl>

namespace aap::auth {

void TokenRequestForm::add(const QString &name, const QString &value)
{
    m_fields.append({name, value});
}

QByteArray TokenRequestForm::encoded() const
{
    QByteArray body;
    for (const auto &[name, value] : m_fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

} // namespace aap::auth
