#include "platform/ServiceStatusMachine.h"

#include <QTest>

using namespace aap::platform;

namespace {

constexpr ServiceStatusMachine::WaitHints kHints{.startMs = 10000, .stopMs = 20000};
constexpr std::uint32_t kRunningControls = accept::kStop | accept::kShutdown | accept::kParamChange;

ServiceStatusMachine runningMachine()
{
    ServiceStatusMachine machine(kHints);
    machine.beginStart();
    machine.started();
    return machine;
}

} // namespace

class tst_ServiceStatusMachine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void startReportsPendingWithGrowingCheckpointsThenRunning()
    {
        ServiceStatusMachine machine(kHints);
        QCOMPARE(machine.status().state, ServiceState::Stopped);
        QVERIFY(machine.beginStart());
        QCOMPARE(machine.status().state, ServiceState::StartPending);
        QCOMPARE(machine.status().checkPoint, 1u);
        QCOMPARE(machine.status().waitHintMs, 10000u);
        QCOMPARE(machine.status().controlsAccepted, 0u);
        QVERIFY(machine.progress());
        QVERIFY(machine.progress());
        QCOMPARE(machine.status().checkPoint, 3u);

        QVERIFY(machine.started());
        QCOMPARE(machine.status().state, ServiceState::Running);
        QCOMPARE(machine.status().checkPoint, 0u);
        QCOMPARE(machine.status().waitHintMs, 0u);
        QCOMPARE(machine.status().controlsAccepted, kRunningControls);
    }

    void stopSequence_data()
    {
        QTest::addColumn<std::uint32_t>("code");
        QTest::newRow("stop") << control::kStop;
        QTest::newRow("shutdown") << control::kShutdown;
    }

    void stopSequence()
    {
        QFETCH(std::uint32_t, code);
        ServiceStatusMachine machine = runningMachine();
        QCOMPARE(machine.control(code), ControlAction::BeginStop);
        QCOMPARE(machine.status().state, ServiceState::StopPending);
        QCOMPARE(machine.status().checkPoint, 1u);
        QCOMPARE(machine.status().waitHintMs, 20000u);
        QCOMPARE(machine.status().controlsAccepted, 0u);

        // A second stop while draining starts nothing new and keeps the checkpoint.
        QCOMPARE(machine.control(control::kStop), ControlAction::ReportOnly);
        QCOMPARE(machine.control(control::kShutdown), ControlAction::ReportOnly);
        QCOMPARE(machine.status().checkPoint, 1u);
        QVERIFY(machine.progress());
        QCOMPARE(machine.status().checkPoint, 2u);

        QVERIFY(machine.stopped(0));
        QCOMPARE(machine.status().state, ServiceState::Stopped);
        QCOMPARE(machine.status().checkPoint, 0u);
        QCOMPARE(machine.status().waitHintMs, 0u);
        QCOMPARE(machine.status().win32ExitCode, kNoError);
        QCOMPARE(machine.status().serviceSpecificExitCode, 0u);
    }

    void paramChangeReloadsOnlyWhileRunning()
    {
        ServiceStatusMachine machine(kHints);
        QCOMPARE(machine.control(control::kParamChange), ControlAction::ReportOnly);
        machine.beginStart();
        QCOMPARE(machine.control(control::kParamChange), ControlAction::ReportOnly);
        machine.started();
        QCOMPARE(machine.control(control::kParamChange), ControlAction::Reload);
        QCOMPARE(machine.status().state, ServiceState::Running);
        QCOMPARE(machine.status().controlsAccepted, kRunningControls);
        machine.control(control::kStop);
        QCOMPARE(machine.control(control::kParamChange), ControlAction::ReportOnly);
        QCOMPARE(machine.status().state, ServiceState::StopPending);
    }

    void interrogateOnlyReports()
    {
        ServiceStatusMachine machine = runningMachine();
        QCOMPARE(machine.control(control::kInterrogate), ControlAction::ReportOnly);
        QCOMPARE(machine.status().state, ServiceState::Running);
    }

    void unknownControlsAreNotImplemented()
    {
        ServiceStatusMachine machine = runningMachine();
        for (const std::uint32_t code : {2u, 3u, 7u, 15u, 128u}) {
            QCOMPARE(machine.control(code), ControlAction::NotImplemented);
        }
        QCOMPARE(machine.status().state, ServiceState::Running);
    }

    void stopBeforeRunningIsNotAccepted()
    {
        ServiceStatusMachine machine(kHints);
        machine.beginStart();
        QCOMPARE(machine.control(control::kStop), ControlAction::ReportOnly);
        QCOMPARE(machine.status().state, ServiceState::StartPending);
    }

    void failedStartReportsTheExitCode()
    {
        ServiceStatusMachine machine(kHints);
        machine.beginStart();
        QVERIFY(machine.stopped(2));
        QCOMPARE(machine.status().state, ServiceState::Stopped);
        QCOMPARE(machine.status().win32ExitCode, kErrorServiceSpecific);
        QCOMPARE(machine.status().serviceSpecificExitCode, 2u);
    }

    void unexpectedEndWhileRunningIsAFailure()
    {
        ServiceStatusMachine machine = runningMachine();
        QVERIFY(machine.stopped(1));
        QCOMPARE(machine.status().win32ExitCode, kErrorServiceSpecific);
        QCOMPARE(machine.status().serviceSpecificExitCode, 1u);
    }

    void callsOutOfOrderChangeNothing()
    {
        ServiceStatusMachine machine(kHints);
        QVERIFY(!machine.progress());
        QVERIFY(!machine.started());
        QVERIFY(!machine.stopped(0));
        QCOMPARE(machine.status().state, ServiceState::Stopped);

        machine.beginStart();
        QVERIFY(!machine.beginStart());
        machine.started();
        QVERIFY(!machine.progress());
        QVERIFY(!machine.started());
        QCOMPARE(machine.status().checkPoint, 0u);
        QCOMPARE(machine.status().state, ServiceState::Running);
    }

    void restartAfterAFailureClearsTheExitCode()
    {
        ServiceStatusMachine machine(kHints);
        machine.beginStart();
        machine.stopped(2);
        QVERIFY(machine.beginStart());
        QCOMPARE(machine.status().win32ExitCode, kNoError);
        QCOMPARE(machine.status().serviceSpecificExitCode, 0u);
    }
};

QTEST_APPLESS_MAIN(tst_ServiceStatusMachine)
#include "tst_ServiceStatusMachine.moc"
