#include "platform/windows/PipeClientAccess.h"

#include <windows.h>

#include <memory>
#include <vector>

namespace aap::platform::windows {

namespace {

struct HandleCloser {
    void operator()(HANDLE handle) const { CloseHandle(handle); }
};
using Handle = std::unique_ptr<std::remove_pointer_t<HANDLE>, HandleCloser>;

// TOKEN_USER of a token; empty when it cannot be read.
std::vector<unsigned char> tokenUser(HANDLE token)
{
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    if (size == 0)
        return {};
    std::vector<unsigned char> buffer(size);
    if (GetTokenInformation(token, TokenUser, buffer.data(), size, &size) == FALSE)
        return {};
    return buffer;
}

PSID userSid(std::vector<unsigned char> &buffer)
{
    return buffer.empty() ? nullptr : reinterpret_cast<TOKEN_USER *>(buffer.data())->User.Sid;
}

} // namespace

PipeClient PipeClientAccess::classify(void *pipe)
{
    HANDLE ownToken = nullptr;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &ownToken) == FALSE)
        return PipeClient::Unknown;
    const Handle ownTokenHandle(ownToken);
    std::vector<unsigned char> own = tokenUser(ownToken);

    // The client's token, as an impersonation token on this thread; reverted before anything else.
    if (ImpersonateNamedPipeClient(static_cast<HANDLE>(pipe)) == FALSE)
        return PipeClient::Unknown;
    HANDLE clientToken = nullptr;
    const BOOL opened = OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &clientToken);
    RevertToSelf();
    if (opened == FALSE)
        return PipeClient::Unknown;
    const Handle clientTokenHandle(clientToken);

    std::vector<unsigned char> client = tokenUser(clientToken);
    if (userSid(own) != nullptr && userSid(client) != nullptr &&
        EqualSid(userSid(own), userSid(client)) != FALSE)
        return PipeClient::ServiceAccount;

    SID_IDENTIFIER_AUTHORITY ntAuthority = SECURITY_NT_AUTHORITY;
    PSID administrators = nullptr;
    if (AllocateAndInitializeSid(&ntAuthority, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0,
                                 0, 0, 0, 0, &administrators) == FALSE)
        return PipeClient::Unknown;
    BOOL member = FALSE;
    const BOOL checked = CheckTokenMembership(clientToken, administrators, &member);
    FreeSid(administrators);
    if (checked == FALSE)
        return PipeClient::Unknown;
    return member != FALSE ? PipeClient::Administrator : PipeClient::Other;
}

} // namespace aap::platform::windows
