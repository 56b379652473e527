#pragma once

#include "protocol/FakeTokenServer.h"

#include <gsl/pointers>

namespace aap::emulator {

class Emulator;

// Loopback control endpoint of the emulator:
//   POST /faults?service=imds|arc|entra|all&kind=500|429|hang|expired[&count=N][&retry_after=S]
//   GET  /status   counters as JSON
class EmulatorControl final : public test::FakeTokenServer {
    Q_OBJECT

public:
    explicit EmulatorControl(gsl::not_null<Emulator *> emulator, QObject *parent = nullptr);

protected:
    Reply handle(const test::RecordedRequest &request) override;

private:
    gsl::not_null<Emulator *> m_emulator;
};

} // namespace aap::emulator
