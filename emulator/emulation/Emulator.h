#pragma once

#include "core/Expected.h"
#include "emulation/EmulatorOptions.h"
#include "emulation/SampleUpstream.h"
#include "protocol/AccessTokenSigner.h"
#include "protocol/FakeArc.h"
#include "protocol/FakeEntra.h"
#include "protocol/FakeImds.h"
#include "protocol/TestPki.h"

#include <QJsonObject>
#include <QObject>

#include <memory>

namespace aap::emulator {

class EmulatorControl;

// The emulator's services on 127.0.0.1 with OS-chosen ports, one token signer for all of them,
// a CA and client credentials in the state directory, and emulator.env naming every endpoint.
class Emulator : public QObject {
    Q_OBJECT

public:
    explicit Emulator(EmulatorOptions options, QObject *parent = nullptr);
    ~Emulator() override;
    Emulator(const Emulator &) = delete;
    Emulator &operator=(const Emulator &) = delete;
    Emulator(Emulator &&) = delete;
    Emulator &operator=(Emulator &&) = delete;

    // Creates the services and writes the state directory.
    [[nodiscard]] Expected<void, QString> start();

    // service: imds, arc, entra or all; kind: 500, 429, hang or expired.
    [[nodiscard]] Expected<void, QString> injectFault(const QString &service, const QString &kind, int count,
                                                      int retryAfter);
    [[nodiscard]] QJsonObject status() const;

private:
    [[nodiscard]] Expected<void, QString> writeState();

    EmulatorOptions m_options;
    test::AccessTokenSigner m_signer;
    std::unique_ptr<test::TestPki> m_pki;
    std::unique_ptr<test::FakeImds> m_imds;
    std::unique_ptr<test::FakeArc> m_arc;
    std::unique_ptr<test::FakeEntra> m_entra;
    std::unique_ptr<SampleUpstream> m_upstream;
    std::unique_ptr<EmulatorControl> m_control;
};

} // namespace aap::emulator
