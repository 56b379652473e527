#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace aap::config {

// Which object a setting belongs to: the service, one route or one identity. Environment
// variables and flags set the route and identity called "default"; named ones come from the file.
enum class SettingScope { Global, Route, Identity };

struct SettingTarget {
    ServiceConfig *config = nullptr;
    RouteConfig *route = nullptr;       // set for SettingScope::Route
    IdentityConfig *identity = nullptr; // set for SettingScope::Identity
};

struct ConstSettingTarget {
    const ServiceConfig *config = nullptr;
    const RouteConfig *route = nullptr;
    const IdentityConfig *identity = nullptr;
};

// What kind of value a setting holds, so that an editor can offer the right widget.
enum class SettingType { Text, Secret, Boolean, Integer, Duration, Choice, Path, Url, List };

// Whether this version acts on a setting. The model already holds roadmap settings; refusing a
// dangerous one (inbound protection that would silently not protect) is an error, ignoring a
// harmless one a warning. Editors do not offer either.
enum class SettingSupport { Supported, Refused, Ignored };

// One setting: its names in every source, its documentation, and how to parse and print it.
struct SettingDescriptor {
    SettingScope scope = SettingScope::Global;
    QString section;              // file section: "listener", "route", ...
    QString key;                  // file key: "port"
    QStringList envNames;         // highest priority first (original name before its AZURE_ twin)
    QString flag;                 // command-line flag without "--"
    QString valueName;            // placeholder in --help
    QString description;          // one sentence for --help and the reference
    bool secret = false;          // value never printed, logged or quoted in a message
    bool warnOnEqualTwins = true; // warn about two environment names even when their values agree
    SettingType type = SettingType::Text;
    qint64 minimum = 0; // Integer and Duration (milliseconds): the accepted range
    qint64 maximum = 0;
    QStringList choices; // Choice: the accepted names, as printed
    SettingSupport support = SettingSupport::Supported;
    QString supportNote; // why a Refused/Ignored setting is not acted on; "" = the standard words

    // Parses text into the target. Success may carry a warning ("" when none).
    std::function<Expected<QString, QString>(const SettingTarget &, const QString &)> apply;
    // The current value as text, secrets as <redacted>.
    std::function<QString(const ConstSettingTarget &)> format;

    // "listener.port", "route.default.target_host", "identity.query.client_id".
    [[nodiscard]] QString id(const QString &scopeName = QString()) const;
};

// Every setting of ServiceConfig, in the order of the reference documentation.
class SettingCatalog {
public:
    [[nodiscard]] static const QList<SettingDescriptor> &all();
    [[nodiscard]] static const SettingDescriptor *find(const QString &section, const QString &key);
    [[nodiscard]] static const SettingDescriptor *findByFlag(const QString &flag);
    // Every section a file may contain.
    [[nodiscard]] static bool isKnownSection(const QString &section);
};

} // namespace aap::config
