"""CS3 status helpers: RPC handlers raise `StoreError`, the rpc decorator turns it into the
response's `Status`, as Reva answers (the gRPC call itself succeeds)."""

from __future__ import annotations

from cs3.rpc.v1beta1 import code_pb2, status_pb2


def ok() -> status_pb2.Status:
    return status_pb2.Status(code=code_pb2.CODE_OK)


class StoreError(Exception):
    """A CS3 failure with the code and a message that says what to do about it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def status(self) -> status_pb2.Status:
        return status_pb2.Status(code=self.code, message=self.message)


def not_found(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_NOT_FOUND, message)


def permission_denied(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_PERMISSION_DENIED, message)


def already_exists(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_ALREADY_EXISTS, message)


def failed_precondition(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_FAILED_PRECONDITION, message)


def aborted(message: str) -> StoreError:
    """A precondition of the caller (an etag to match, a file not to exist) no longer holds: Reva's
    decomposedfs answers an etag mismatch with errtypes.Aborted."""
    return StoreError(code_pb2.CODE_ABORTED, message)


def invalid_argument(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_INVALID_ARGUMENT, message)


def unauthenticated(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_UNAUTHENTICATED, message)


def unimplemented(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_UNIMPLEMENTED, message)
