#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace aap::auth {

// An application/x-www-form-urlencoded request body. Every name and value is percent-encoded
// except RFC 3986 unreserved characters, so '+', '&', '=' and '%' in a client secret reach the
// server intact (QUrlQuery leaves '+' alone, which a form parser reads as a space).
class TokenRequestForm {
public:
    void add(const QString &name, const QString &value);
    [[nodiscard]] QByteArray encoded() const;

private:
    QList<QPair<QString, QString>> m_fields;
};

} // namespace aap::auth
