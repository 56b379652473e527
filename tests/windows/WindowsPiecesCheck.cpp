// Checks the Win32 pieces on Windows or under wine (scripts/windows-check.sh): paths, foreground
// detection, the Event Log, and a full service round trip through the service control manager with
// the stand-in program: install, recovery actions, event source, start, reload, stop, uninstall.
// Usage: windows-pieces-check.exe <path of aad-auth-proxy-standin.exe>
#include "platform/windows/PipeClientAccess.h"
#include "platform/windows/WindowsEventLog.h"
#include "platform/windows/WindowsPaths.h"
#include "platform/windows/WindowsService.h"
#include "platform/windows/WindowsServiceInstaller.h"
#include "platform/windows/WindowsServiceNames.h"
#include "platform/windows/WindowsServiceSid.h"

#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace aap::platform;
using namespace aap::platform::windows;

namespace {

int g_failures = 0;

void check(bool condition, const wchar_t *what)
{
    std::fwprintf(stdout, L"%ls %ls\n", condition ? L"ok  " : L"FAIL", what);
    if (!condition)
        ++g_failures;
}

bool endsWith(const std::wstring &text, const std::wstring &suffix)
{
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class NoEvents : public ServiceEvents {
public:
    void stopRequested() override {}
    void reloadRequested() override {}
};

DWORD runProcess(const std::wstring &executable, const std::wstring &argument)
{
    std::wstring commandLine = L"\"" + executable + L"\" " + argument;
    STARTUPINFOW startup{};
    startup.cb = sizeof(startup);
    PROCESS_INFORMATION process{};
    if (CreateProcessW(executable.c_str(), commandLine.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                       &startup, &process) == FALSE)
        return ~DWORD{0};
    constexpr DWORD kTimeoutMs = 60000;
    DWORD exitCode = ~DWORD{0};
    if (WaitForSingleObject(process.hProcess, kTimeoutMs) == WAIT_OBJECT_0)
        GetExitCodeProcess(process.hProcess, &exitCode);
    else
        TerminateProcess(process.hProcess, 1);
    CloseHandle(process.hThread);
    CloseHandle(process.hProcess);
    return exitCode;
}

struct ServiceHandleCloser {
    void operator()(SC_HANDLE handle) const { CloseServiceHandle(handle); }
};
using ServiceHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ServiceHandleCloser>;

bool waitForState(SC_HANDLE service, DWORD state, SERVICE_STATUS &status)
{
    for (int i = 0; i < 150; ++i) {
        if (QueryServiceStatus(service, &status) == FALSE)
            return false;
        if (status.dwCurrentState == state)
            return true;
        Sleep(100);
    }
    return false;
}

void checkPaths()
{
    const auto directory = WindowsPaths::configDirectory();
    check(directory && endsWith(*directory, L"\\aad-auth-proxy"), L"config directory under %ProgramData%");
    wchar_t programData[MAX_PATH] = {};
    GetEnvironmentVariableW(L"ProgramData", programData, MAX_PATH);
    check(directory &&
              _wcsicmp(directory->c_str(), (std::wstring(programData) + L"\\aad-auth-proxy").c_str()) == 0,
          L"config directory is %ProgramData%\\aad-auth-proxy");
    const auto file = WindowsPaths::configFile();
    check(file && endsWith(*file, L"\\aad-auth-proxy\\aad-auth-proxy.conf"), L"config file name");
    const auto executable = WindowsPaths::currentExecutable();
    check(executable && endsWith(*executable, L"windows-pieces-check.exe"), L"own executable path");
}

void checkServiceSid()
{
    // Windows' own well-known service SID (sc.exe showsid TrustedInstaller).
    const std::wstring trustedInstaller = L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
    check(WindowsServiceSid::forService(L"TrustedInstaller") == trustedInstaller,
          L"service SID of TrustedInstaller");
    check(WindowsServiceSid::forService(L"trustedinstaller") == trustedInstaller,
          L"service SID ignores case");
    check(!WindowsServiceSid::forService(L""), L"no service SID for an empty name");
}

// The control pipe's client check: this process is both ends, so its client is the service account.
void checkPipeClient()
{
    const std::wstring name = L"\\\\.\\pipe\\aap-pieces-check-" + std::to_wstring(GetCurrentProcessId());
    HANDLE server =
        CreateNamedPipeW(name.c_str(), PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1,
                         4096, 4096, 0, nullptr);
    check(server != INVALID_HANDLE_VALUE, L"control pipe created");
    if (server == INVALID_HANDLE_VALUE)
        return;
    HANDLE client =
        CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    check(client != INVALID_HANDLE_VALUE, L"control pipe opened by a client");
    if (client != INVALID_HANDLE_VALUE) {
        const BOOL connected = ConnectNamedPipe(server, nullptr);
        check(connected != FALSE || GetLastError() == ERROR_PIPE_CONNECTED, L"control pipe connected");
        const char hello = 'h';
        DWORD count = 0;
        check(WriteFile(client, &hello, 1, &count, nullptr) != FALSE && count == 1, L"client wrote");
        char received = 0;
        check(ReadFile(server, &received, 1, &count, nullptr) != FALSE && received == hello, L"server read");
        const PipeClient who = PipeClientAccess::classify(server);
        check(who == PipeClient::ServiceAccount, L"pipe client with the service's own account recognised");
        check(PipeClientAccess::mayUse(who), L"the service account may use the control pipe");
        CloseHandle(client);
    }
    check(!PipeClientAccess::mayUse(PipeClient::Other) && !PipeClientAccess::mayUse(PipeClient::Unknown),
          L"others and unknown clients are refused");
    CloseHandle(server);
}

std::wstring folderAcl(const std::wstring &directory)
{
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (GetNamedSecurityInfoW(directory.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                              nullptr, nullptr, &descriptor) != ERROR_SUCCESS)
        return {};
    wchar_t *text = nullptr;
    std::wstring sddl;
    if (ConvertSecurityDescriptorToStringSecurityDescriptorW(
            descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr) != FALSE) {
        sddl = text;
        LocalFree(text);
    }
    LocalFree(descriptor);
    return sddl;
}

void checkForeground()
{
    NoEvents events;
    WindowsService service({.startMs = 1000, .stopMs = 1000});
    check(!service.connect(events), L"started from a console: not a service (foreground)");
    check(service.status().state == ServiceState::Stopped, L"foreground: status untouched");
}

void checkEventLog()
{
    WindowsEventLog log;
    check(log.isOpen(), L"event source opens");
    check(log.write(EventLevel::Information, L"windows-pieces-check: information"), L"information event");
    check(log.write(EventLevel::Warning, L"windows-pieces-check: warning"), L"warning event");
    check(log.write(EventLevel::Error, L"windows-pieces-check: error"), L"error event");
}

bool runningUnderWine()
{
    const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

void checkRecoveryActions(SC_HANDLE service)
{
    DWORD needed = 0;
    QueryServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, nullptr, 0, &needed);
    std::vector<BYTE> actionsBuffer(needed > 0 ? needed : sizeof(SERVICE_FAILURE_ACTIONSW));
    auto *actions = reinterpret_cast<SERVICE_FAILURE_ACTIONSW *>(actionsBuffer.data());
    const bool read = QueryServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, actionsBuffer.data(),
                                           static_cast<DWORD>(actionsBuffer.size()), &needed) != FALSE;
    check(read && actions->cActions == 3 &&
              actions->dwResetPeriod == WindowsServiceInstaller::kFailureResetSeconds,
          L"recovery actions: three, reset after a day");
    check(read && actions->cActions == 3 && actions->lpsaActions[0].Type == SC_ACTION_RESTART &&
              actions->lpsaActions[0].Delay == WindowsServiceInstaller::kFirstRestartDelayMs &&
              actions->lpsaActions[1].Type == SC_ACTION_RESTART &&
              actions->lpsaActions[1].Delay == WindowsServiceInstaller::kSecondRestartDelayMs &&
              actions->lpsaActions[2].Type == SC_ACTION_NONE,
          L"recovery actions: restart, restart, none");
}

void checkInstalledConfiguration(SC_HANDLE service, const std::wstring &standIn)
{
    DWORD needed = 0;
    QueryServiceConfigW(service, nullptr, 0, &needed);
    std::vector<BYTE> buffer(needed);
    auto *config = reinterpret_cast<QUERY_SERVICE_CONFIGW *>(buffer.data());
    check(QueryServiceConfigW(service, config, needed, &needed) != FALSE, L"service configuration readable");
    check(config->dwServiceType == SERVICE_WIN32_OWN_PROCESS, L"own-process service");
    check(config->dwStartType == SERVICE_DEMAND_START, L"manual start until configured");
    check(std::wstring(config->lpBinaryPathName) == L"\"" + standIn + L"\"", L"quoted program path");

    if (runningUnderWine()) {
        std::fputws(L"skip recovery actions: wine accepts but does not store them\n", stdout);
    } else {
        checkRecoveryActions(service);
    }

    HKEY key = nullptr;
    check(RegOpenKeyExW(HKEY_LOCAL_MACHINE, kEventLogKey, 0, KEY_QUERY_VALUE, &key) == ERROR_SUCCESS,
          L"event source registered");
    wchar_t messageFile[MAX_PATH] = {};
    DWORD size = sizeof(messageFile);
    DWORD type = 0;
    const bool hasFile =
        key != nullptr && RegQueryValueExW(key, L"EventMessageFile", nullptr, &type,
                                           reinterpret_cast<BYTE *>(messageFile), &size) == ERROR_SUCCESS;
    check(hasFile && type == REG_EXPAND_SZ && standIn == messageFile, L"event message file is the program");
    if (key != nullptr)
        RegCloseKey(key);

    const auto directory = WindowsPaths::configDirectory();
    check(directory && GetFileAttributesW(directory->c_str()) != INVALID_FILE_ATTRIBUTES,
          L"configuration folder created");
    if (runningUnderWine()) {
        std::fputws(L"skip configuration folder ACL: wine accepts but does not store it\n", stdout);
        return;
    }
    const std::wstring acl = directory ? folderAcl(*directory) : std::wstring();
    const auto serviceSid = WindowsServiceSid::forService(kServiceName);
    std::fwprintf(stdout, L"     configuration folder ACL: %ls\n", acl.c_str());
    check(acl.starts_with(L"D:P"), L"configuration folder ACL not inherited");
    check(serviceSid && acl.find(L";;;" + *serviceSid + L")") != std::wstring::npos,
          L"configuration folder ACL names the service");
    check(acl.find(L";;;BU)") == std::wstring::npos && acl.find(L";;;WD)") == std::wstring::npos,
          L"configuration folder not readable by users");
}

void checkServiceRoundTrip(const std::wstring &standIn)
{
    check(runProcess(standIn, L"install") == 0, L"'install' subcommand");
    // What the MSI runs after installing the service: idempotent on an installed service.
    check(runProcess(standIn, L"configure") == 0, L"'configure' subcommand");
    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    // Closed before the uninstall: an open handle keeps a deleted service "marked for deletion".
    ServiceHandle service(manager
                              ? OpenServiceW(manager.get(), kServiceName,
                                             SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | SERVICE_START |
                                                 SERVICE_STOP | SERVICE_PAUSE_CONTINUE | SERVICE_INTERROGATE)
                              : nullptr);
    check(service != nullptr, L"installed service opens");
    if (service) {
        checkInstalledConfiguration(service.get(), standIn);
        SERVICE_STATUS status{};
        const bool started = StartServiceW(service.get(), 0, nullptr) != FALSE;
        if (!started)
            std::fwprintf(stdout, L"     StartService: error %lu\n", GetLastError());
        check(started, L"service starts");
        check(waitForState(service.get(), SERVICE_RUNNING, status), L"service reports running");
        check(status.dwControlsAccepted ==
                  (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE),
              L"running: accepts stop, shutdown, paramchange");
        check(ControlService(service.get(), SERVICE_CONTROL_PARAMCHANGE, &status) != FALSE &&
                  status.dwCurrentState == SERVICE_RUNNING,
              L"paramchange (reload) accepted, still running");
        check(ControlService(service.get(), SERVICE_CONTROL_PAUSE, &status) == FALSE, L"pause is refused");
        check(ControlService(service.get(), SERVICE_CONTROL_STOP, &status) != FALSE, L"stop accepted");
        check(waitForState(service.get(), SERVICE_STOPPED, status), L"service reports stopped");
        check(status.dwWin32ExitCode == NO_ERROR, L"clean stop: exit code 0");
        service.reset();
    }
    check(runProcess(standIn, L"uninstall") == 0, L"'uninstall' subcommand");
    const ServiceHandle gone(manager ? OpenServiceW(manager.get(), kServiceName, SERVICE_QUERY_STATUS)
                                     : nullptr);
    check(!gone && GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST, L"service deleted");
    HKEY key = nullptr;
    check(RegOpenKeyExW(HKEY_LOCAL_MACHINE, kEventLogKey, 0, KEY_QUERY_VALUE, &key) == ERROR_FILE_NOT_FOUND,
          L"event source removed");
}

} // namespace

int wmain(int argc, wchar_t **argv)
{
    if (argc != 2) {
        std::fputws(L"usage: windows-pieces-check.exe <aad-auth-proxy-standin.exe>\n", stderr);
        return 2;
    }
    checkPaths();
    checkServiceSid();
    checkPipeClient();
    checkEventLog();
    wchar_t standIn[MAX_PATH] = {};
    if (GetFullPathNameW(argv[1], MAX_PATH, standIn, nullptr) == 0) {
        std::fputws(L"cannot resolve the stand-in's path\n", stderr);
        return 2;
    }
    checkServiceRoundTrip(standIn);
    // Last: wine's dispatcher connects to whichever service start is pending, and wine starts its
    // own services just after its server comes up.
    checkForeground();
    std::fwprintf(stdout, L"%ls\n", g_failures == 0 ? L"all checks passed" : L"checks failed");
    return g_failures == 0 ? 0 : 1;
}
