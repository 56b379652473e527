#include "platform/windows/WindowsServiceInstaller.h"

#include "platform/windows/WindowsPaths.h"
#include "platform/windows/WindowsServiceNames.h"
#include "platform/windows/WindowsServiceSid.h"

#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include <cstdio>
#include <cwchar>
#include <memory>

namespace aap::platform::windows {

namespace {

struct ServiceHandleCloser {
    void operator()(SC_HANDLE handle) const { CloseServiceHandle(handle); }
};
using ServiceHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ServiceHandleCloser>;

std::wstring systemMessage(DWORD error)
{
    wchar_t *buffer = nullptr;
    const DWORD length = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                            FORMAT_MESSAGE_IGNORE_INSERTS,
                                        nullptr, error, 0, reinterpret_cast<wchar_t *>(&buffer), 0, nullptr);
    std::wstring text = length > 0 ? std::wstring(buffer, length) : std::wstring();
    LocalFree(buffer);
    while (!text.empty() && (text.back() == L'\n' || text.back() == L'\r' || text.back() == L' '))
        text.pop_back();
    return text + L" (error " + std::to_wstring(error) + L")";
}

InstallResult failure(const std::wstring &what)
{
    return {false, what + L": " + systemMessage(GetLastError())};
}

InstallResult configureRecovery(SC_HANDLE service)
{
    SC_ACTION actions[] = {
        {SC_ACTION_RESTART, WindowsServiceInstaller::kFirstRestartDelayMs},
        {SC_ACTION_RESTART, WindowsServiceInstaller::kSecondRestartDelayMs},
        {SC_ACTION_NONE, 0},
    };
    SERVICE_FAILURE_ACTIONSW failureActions{};
    failureActions.dwResetPeriod = WindowsServiceInstaller::kFailureResetSeconds;
    failureActions.cActions = static_cast<DWORD>(std::size(actions));
    failureActions.lpsaActions = actions;
    if (ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failureActions) == FALSE)
        return failure(L"cannot set the recovery actions");
    SERVICE_FAILURE_ACTIONS_FLAG onNonCrashFailures{TRUE};
    if (ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &onNonCrashFailures) != FALSE)
        return {true, {}};
    // Windows has the flag since Vista; wine does not. The actions still apply to a crash.
    if (GetLastError() == ERROR_INVALID_LEVEL)
        return {true,
                L" (recovery actions apply to crashes only: this system cannot apply them to exit codes)"};
    return failure(L"cannot apply the recovery actions to non-zero exit codes");
}

InstallResult registerEventSource(const std::wstring &executable)
{
    HKEY key = nullptr;
    LSTATUS status = RegCreateKeyExW(HKEY_LOCAL_MACHINE, kEventLogKey, 0, nullptr, REG_OPTION_NON_VOLATILE,
                                     KEY_SET_VALUE, nullptr, &key, nullptr);
    if (status != ERROR_SUCCESS)
        return {false, L"cannot register the event source: " + systemMessage(static_cast<DWORD>(status))};
    // The message table lives in the program itself (EventMessages.mc).
    const auto bytes = static_cast<DWORD>((executable.size() + 1) * sizeof(wchar_t));
    status = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                            reinterpret_cast<const BYTE *>(executable.c_str()), bytes);
    const DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    if (status == ERROR_SUCCESS)
        status = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, reinterpret_cast<const BYTE *>(&types),
                                sizeof(types));
    RegCloseKey(key);
    if (status != ERROR_SUCCESS)
        return {false, L"cannot register the event source: " + systemMessage(static_cast<DWORD>(status))};
    return {true, {}};
}

bool waitForState(SC_HANDLE service, DWORD state, DWORD timeoutMs)
{
    const ULONGLONG deadline = GetTickCount64() + timeoutMs;
    SERVICE_STATUS status{};
    while (QueryServiceStatus(service, &status) != FALSE) {
        if (status.dwCurrentState == state)
            return true;
        if (GetTickCount64() >= deadline)
            return false;
        Sleep(200);
    }
    return false;
}

InstallResult restrictConfigFolder(const std::wstring &directory)
{
    const auto serviceSid = WindowsServiceSid::forService(kServiceName);
    if (!serviceSid)
        return failure(L"cannot compute the service's SID");
    // SYSTEM and Administrators: full control; the service: read. Not inherited from %ProgramData%,
    // which lets every user read.
    const std::wstring sddl = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FRFX;;;" + *serviceSid + L")";
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &descriptor,
                                                             nullptr) == FALSE)
        return failure(L"cannot build the configuration folder's ACL");
    BOOL present = FALSE;
    BOOL defaulted = FALSE;
    PACL dacl = nullptr;
    GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
    std::wstring path = directory;
    const DWORD status = SetNamedSecurityInfoW(
        path.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
        nullptr, dacl, nullptr);
    LocalFree(descriptor);
    if (status != ERROR_SUCCESS)
        return {false, L"cannot restrict " + directory + L": " + systemMessage(status)};
    return {true, {}};
}

InstallResult configureInstalled(SC_HANDLE service)
{
    InstallResult recovery = configureRecovery(service);
    if (!recovery.ok)
        return recovery;
    const auto directory = WindowsPaths::configDirectory();
    if (!directory)
        return {false, L"cannot find %ProgramData%"};
    if (CreateDirectoryW(directory->c_str(), nullptr) == FALSE && GetLastError() != ERROR_ALREADY_EXISTS)
        return failure(L"cannot create " + *directory);
    if (InstallResult restricted = restrictConfigFolder(*directory); !restricted.ok)
        return restricted;
    return {true, recovery.message};
}

} // namespace

std::optional<int> WindowsServiceInstaller::runSubcommand(int argc, wchar_t **argv)
{
    if (argc != 2)
        return std::nullopt;
    const std::wstring command = argv[1];
    InstallResult result;
    if (command == L"install") {
        const auto executable = WindowsPaths::currentExecutable();
        result = executable ? install(*executable) : failure(L"cannot find this program's path");
    } else if (command == L"configure") {
        result = configure();
    } else if (command == L"uninstall") {
        constexpr DWORD kStopTimeoutMs = 30000;
        result = uninstall(kStopTimeoutMs);
    } else {
        return std::nullopt;
    }
    std::fwprintf(result.ok ? stdout : stderr, L"aad-auth-proxy %ls: %ls\n", command.c_str(),
                  result.message.c_str());
    return result.ok ? 0 : 1;
}

InstallResult WindowsServiceInstaller::install(const std::wstring &executable)
{
    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE));
    if (!manager)
        return failure(L"cannot open the service control manager (run as administrator)");
    const std::wstring commandLine = L"\"" + executable + L"\"";
    // Manual start: the configuration is empty until the administrator fills it in.
    const ServiceHandle service(CreateServiceW(
        manager.get(), kServiceName, kDisplayName, SERVICE_CHANGE_CONFIG | SERVICE_START | DELETE,
        SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, commandLine.c_str(), nullptr,
        nullptr, nullptr, kServiceAccount, nullptr));
    if (!service)
        return failure(L"cannot create the service");
    SERVICE_DESCRIPTIONW description{const_cast<wchar_t *>(kDescription)};
    InstallResult result =
        ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_DESCRIPTION, &description) != FALSE
            ? registerEventSource(executable)
            : failure(L"cannot set the service description");
    if (result.ok)
        result = configureInstalled(service.get());
    if (result.ok)
        result.message = L"service installed" + result.message + L"; configure " +
                         WindowsPaths::configFile().value_or(L"aad-auth-proxy.conf") + L", then start it";
    // All or nothing: a half-configured service would start without recovery or event source.
    if (!result.ok)
        DeleteService(service.get());
    return result;
}

InstallResult WindowsServiceInstaller::configure()
{
    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    if (!manager)
        return failure(L"cannot open the service control manager (run as administrator)");
    // SERVICE_START: the SCM requires it to set restart actions.
    const ServiceHandle service(
        OpenServiceW(manager.get(), kServiceName, SERVICE_CHANGE_CONFIG | SERVICE_START));
    if (!service)
        return failure(L"cannot open the service");
    InstallResult result = configureInstalled(service.get());
    if (result.ok)
        result.message = L"recovery actions and configuration folder set" + result.message;
    return result;
}

InstallResult WindowsServiceInstaller::uninstall(unsigned long stopTimeoutMs)
{
    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    if (!manager)
        return failure(L"cannot open the service control manager (run as administrator)");
    const ServiceHandle service(
        OpenServiceW(manager.get(), kServiceName, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
    if (!service)
        return failure(L"cannot open the service");
    SERVICE_STATUS status{};
    if (QueryServiceStatus(service.get(), &status) != FALSE && status.dwCurrentState != SERVICE_STOPPED) {
        ControlService(service.get(), SERVICE_CONTROL_STOP, &status);
        if (!waitForState(service.get(), SERVICE_STOPPED, stopTimeoutMs))
            return {false, L"the service did not stop in time; it is still installed"};
    }
    if (DeleteService(service.get()) == FALSE)
        return failure(L"cannot delete the service");
    const LSTATUS removed = RegDeleteTreeW(HKEY_LOCAL_MACHINE, kEventLogKey);
    if (removed != ERROR_SUCCESS && removed != ERROR_FILE_NOT_FOUND)
        return {false,
                L"service deleted, but not its event source: " + systemMessage(static_cast<DWORD>(removed))};
    return {true, L"service removed; the configuration in %ProgramData%\\aad-auth-proxy stays"};
}

} // namespace aap::platform::windows
