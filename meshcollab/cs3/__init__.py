"""The async CS3 adapter: the one client through which meshcollab talks to a CS3 gateway.

It speaks the CS3 APIs over gRPC (grpc.aio) and the data transfer over HTTP (httpx), and works the
same against a real Reva gateway and against the embedded store; it knows nothing of the latter.

    from meshcollab.cs3 import CS3Config, CS3Gateway

    async with CS3Gateway(CS3Config(gateway="localhost:19000")) as gw:
        session = await gw.login_basic("einstein", "relativity")
        home = await session.home()
        await session.files.write(f"{home}/hello.txt", b"hello")
"""

from meshcollab.cs3.config import CS3Config
from meshcollab.cs3.errors import (
    AlreadyExists,
    Conflict,
    CS3Error,
    InvalidArgument,
    Locked,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ServerError,
    TokenExpired,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from meshcollab.cs3.gateway import CS3Gateway
from meshcollab.cs3.models import (
    EDITOR,
    VIEWER,
    FileVersion,
    Lock,
    LockType,
    OCMInvite,
    OCMProvider,
    OCMShare,
    Permissions,
    PublicLink,
    Quota,
    ReceivedOCMShare,
    ReceivedShare,
    Resource,
    ResourceType,
    Share,
    ShareState,
    Space,
    User,
    UserId,
)
from meshcollab.cs3.ocm import OCM_STORAGE_ID, federated_user
from meshcollab.cs3.references import Reference, ResourceId, Target
from meshcollab.cs3.session import CS3Session

__all__ = [
    "AlreadyExists",
    "CS3Config",
    "CS3Error",
    "CS3Gateway",
    "CS3Session",
    "Conflict",
    "EDITOR",
    "FileVersion",
    "InvalidArgument",
    "Lock",
    "LockType",
    "Locked",
    "NotFound",
    "OCMInvite",
    "OCMProvider",
    "OCMShare",
    "OCM_STORAGE_ID",
    "PermissionDenied",
    "Permissions",
    "PublicLink",
    "Quota",
    "QuotaExceeded",
    "ReceivedOCMShare",
    "ReceivedShare",
    "Reference",
    "Resource",
    "ResourceId",
    "ResourceType",
    "ServerError",
    "Share",
    "ShareState",
    "Space",
    "Target",
    "TokenExpired",
    "Unauthenticated",
    "Unavailable",
    "Unsupported",
    "User",
    "UserId",
    "VIEWER",
    "federated_user",
]
