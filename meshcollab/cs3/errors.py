"""Typed exceptions for what a CS3 gateway or a data endpoint answers.

CS3 status codes (in a response's `Status`), gRPC status codes (a call that failed before a service
answered) and HTTP status codes (data transfers) all map onto the same small set of exceptions.
Each keeps the server's message and says which operation failed on which resource.
"""

from __future__ import annotations

import grpc
from cs3.rpc.v1beta1 import code_pb2
from cs3.rpc.v1beta1.status_pb2 import Status


class CS3Error(Exception):
    """A CS3 operation failed.

    `operation` is what was asked (e.g. "Stat", "upload"), `resource` what it was asked about,
    `message` the server's own words, `code` the code it answered with (e.g. "NOT_FOUND", "HTTP 409"),
    and `source` where the answer came from: "status" (the service's response Status), "grpc" (the
    call failed in transport or in the gateway's interceptors), "http" (a data endpoint), or
    "connection" (nothing answered).
    """

    def __init__(
        self, message: str, *, operation: str = "", resource: str = "", code: str = "", source: str = "status"
    ) -> None:
        self.message = message
        self.operation = operation
        self.resource = resource
        self.code = code
        self.source = source
        super().__init__(message)

    def __str__(self) -> str:
        where = " ".join(part for part in (self.operation, self.resource) if part)
        detail = self.message or "no message from the server"
        code = f" [{self.code}]" if self.code else ""
        return f"{where}: {detail}{code}" if where else f"{detail}{code}"


class NotFound(CS3Error):
    """The resource (or lock, share, link, user, version) does not exist, or is not visible to the user."""


class PermissionDenied(CS3Error):
    """The user may not do this (e.g. a viewer writing, a link guest leaving the linked resource)."""


class Unauthenticated(CS3Error):
    """No valid credentials: a wrong password, a missing, forged or expired token."""


class TokenExpired(Unauthenticated):
    """The session's token expired and the session holds nothing to renew it with."""


class AlreadyExists(CS3Error):
    """The target exists already."""


class Conflict(CS3Error):
    """A precondition failed: a lock held by someone else, a lock id or etag that does not match."""


class Locked(Conflict):
    """A write did not carry the lock id of the lock that holds the file (HTTP 409 on a transfer)."""


class InvalidArgument(CS3Error, ValueError):
    """The request was malformed: a bad reference, an unparsable id, a range outside the file."""


class Unsupported(CS3Error):
    """The gateway does not implement this call or protocol."""


class Unavailable(CS3Error):
    """The gateway or a data endpoint could not be reached or timed out; trying again later may work."""


class QuotaExceeded(CS3Error):
    """The storage is full or the user's quota is used up."""


class ServerError(CS3Error):
    """The server failed in a way that has no better name (INTERNAL, UNKNOWN, DATA_LOSS...)."""


# CS3 codes carry a CODE_ prefix; without it they share their names with gRPC's status codes.
_BY_CODE_NAME: dict[str, type[CS3Error]] = {
    "NOT_FOUND": NotFound,
    "PERMISSION_DENIED": PermissionDenied,
    "UNAUTHENTICATED": Unauthenticated,
    "ALREADY_EXISTS": AlreadyExists,
    "FAILED_PRECONDITION": Conflict,
    "ABORTED": Conflict,
    "LOCKED": Locked,
    "INVALID_ARGUMENT": InvalidArgument,
    "OUT_OF_RANGE": InvalidArgument,
    "UNIMPLEMENTED": Unsupported,
    "UNAVAILABLE": Unavailable,
    "DEADLINE_EXCEEDED": Unavailable,
    "INSUFFICIENT_STORAGE": QuotaExceeded,
}

_BY_HTTP_STATUS: dict[int, type[CS3Error]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    405: Unsupported,
    409: Locked,  # Reva's data server answers 409 to a write that lacks the holder's lock id
    412: Conflict,
    416: InvalidArgument,
    423: Locked,
    501: Unsupported,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
    507: QuotaExceeded,
}


def error_for_code(code_name: str, message: str, *, operation: str, resource: str, source: str) -> CS3Error:
    """The exception for a CS3 or gRPC code name ("NOT_FOUND", "CODE_NOT_FOUND")."""
    name = code_name.removeprefix("CODE_")
    return _BY_CODE_NAME.get(name, ServerError)(
        message, operation=operation, resource=resource, code=name, source=source
    )


def error_from_status(status: Status, *, operation: str, resource: str) -> CS3Error | None:
    """The exception a response Status stands for, or None when it says OK."""
    if status.code == code_pb2.CODE_OK:
        return None
    return error_for_code(
        code_pb2.Code.Name(status.code),
        status.message,
        operation=operation,
        resource=resource,
        source="status",
    )


def error_from_grpc(error: grpc.aio.AioRpcError, *, operation: str, resource: str) -> CS3Error:
    """The exception for a call that failed at the gRPC level."""
    return error_for_code(
        error.code().name, error.details() or "", operation=operation, resource=resource, source="grpc"
    )


def error_from_http(status_code: int, body: str, *, operation: str, resource: str) -> CS3Error:
    """The exception for a data endpoint's non-success reply; `body` is its (possibly empty) text."""
    message = body.strip()[:500] or f"the data endpoint answered HTTP {status_code}"
    return _BY_HTTP_STATUS.get(status_code, ServerError)(
        message, operation=operation, resource=resource, code=f"HTTP {status_code}", source="http"
    )
