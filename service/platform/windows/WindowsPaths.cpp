#include "platform/windows/WindowsPaths.h"

#include <windows.h>

#include <knownfolders.h>
#include <shlobj.h>

#include <vector>

namespace aap::platform::windows {

std::optional<std::wstring> WindowsPaths::configDirectory()
{
    PWSTR programData = nullptr;
    if (FAILED(SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &programData))) {
        CoTaskMemFree(programData);
        return std::nullopt;
    }
    std::wstring directory = std::wstring(programData) + L"\\aad-auth-proxy";
    CoTaskMemFree(programData);
    return directory;
}

std::optional<std::wstring> WindowsPaths::configFile()
{
    auto directory = configDirectory();
    if (!directory)
        return std::nullopt;
    return *directory + L"\\aad-auth-proxy.conf";
}

std::optional<std::wstring> WindowsPaths::currentExecutable()
{
    // Long paths: grow the buffer until the name fits.
    std::vector<wchar_t> buffer(MAX_PATH);
    for (int attempt = 0; attempt < 6; ++attempt) {
        const DWORD length = GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
        if (length == 0)
            return std::nullopt;
        if (length < buffer.size())
            return std::wstring(buffer.data(), length);
        buffer.resize(buffer.size() * 2);
    }
    return std::nullopt;
}

} // namespace aap::platform::windows
