#include "platform/windows/WindowsServiceSid.h"

#include <windows.h>

#include <bcrypt.h>

#include <array>
#include <cstring>

namespace aap::platform::windows {

namespace {

constexpr ULONG kSha1Bytes = 20;

std::optional<std::array<unsigned char, kSha1Bytes>> sha1(const void *data, ULONG size)
{
    BCRYPT_ALG_HANDLE algorithm = nullptr;
    if (!BCRYPT_SUCCESS(BCryptOpenAlgorithmProvider(&algorithm, BCRYPT_SHA1_ALGORITHM, nullptr, 0)))
        return std::nullopt;
    std::array<unsigned char, kSha1Bytes> digest{};
    BCRYPT_HASH_HANDLE hash = nullptr;
    bool ok = BCRYPT_SUCCESS(BCryptCreateHash(algorithm, &hash, nullptr, 0, nullptr, 0, 0));
    // BCryptHashData takes a non-const buffer but only reads it.
    ok = ok && BCRYPT_SUCCESS(BCryptHashData(hash, static_cast<PUCHAR>(const_cast<void *>(data)), size, 0));
    ok = ok && BCRYPT_SUCCESS(BCryptFinishHash(hash, digest.data(), kSha1Bytes, 0));
    if (hash != nullptr)
        BCryptDestroyHash(hash);
    BCryptCloseAlgorithmProvider(algorithm, 0);
    if (!ok)
        return std::nullopt;
    return digest;
}

} // namespace

std::optional<std::wstring> WindowsServiceSid::forService(std::wstring_view serviceName)
{
    if (serviceName.empty())
        return std::nullopt;
    std::wstring upper(serviceName.size(), L'\0');
    const int length = static_cast<int>(serviceName.size());
    if (LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, serviceName.data(), length, upper.data(),
                      length, nullptr, nullptr, 0) != length)
        return std::nullopt;
    const auto digest = sha1(upper.data(), static_cast<ULONG>(upper.size() * sizeof(wchar_t)));
    if (!digest)
        return std::nullopt;
    std::wstring sid = L"S-1-5-80";
    for (std::size_t i = 0; i < kSha1Bytes; i += 4) {
        std::uint32_t part = 0;
        std::memcpy(&part, digest->data() + i, sizeof(part)); // x86 and ARM Windows are little-endian
        sid += L"-" + std::to_wstring(part);
    }
    return sid;
}

} // namespace aap::platform::windows
