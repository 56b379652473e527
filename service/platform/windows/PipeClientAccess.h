#pragma once

namespace aap::platform::windows {

// Who may use the control pipe: members of BUILTIN\Administrators (an elevated token: UAC's filtered
// token has the group only for deny) and the service's own account. Everyone else is refused, even
// where the pipe's security descriptor let the connection through.
enum class PipeClient { Administrator, ServiceAccount, Other, Unknown };

class PipeClientAccess {
public:
    // pipe: the server end of a connected pipe instance (QLocalSocket::socketDescriptor() on
    // Windows). The client must have written to the pipe already: Windows lets a server impersonate
    // its client only after reading from it. Unknown when the token cannot be read.
    static PipeClient classify(void *pipe);
    static bool mayUse(PipeClient client)
    {
        return client == PipeClient::Administrator || client == PipeClient::ServiceAccount;
    }
};

} // namespace aap::platform::windows
