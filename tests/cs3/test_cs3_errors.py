"""How CS3 statuses, gRPC errors and HTTP replies become typed exceptions: pure, no server."""

from __future__ import annotations

import grpc
import pytest
from cs3.rpc.v1beta1 import code_pb2
from cs3.rpc.v1beta1.status_pb2 import Status

from meshcollab.cs3 import (
    AlreadyExists,
    Conflict,
    CS3Error,
    InvalidArgument,
    Locked,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ServerError,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from meshcollab.cs3.errors import error_from_grpc, error_from_http, error_from_status


@pytest.mark.parametrize(
    "code, expected",
    [
        (code_pb2.CODE_NOT_FOUND, NotFound),
        (code_pb2.CODE_PERMISSION_DENIED, PermissionDenied),
        (code_pb2.CODE_UNAUTHENTICATED, Unauthenticated),
        (code_pb2.CODE_ALREADY_EXISTS, AlreadyExists),
        (code_pb2.CODE_FAILED_PRECONDITION, Conflict),
        (code_pb2.CODE_ABORTED, Conflict),
        (code_pb2.CODE_LOCKED, Locked),
        (code_pb2.CODE_INVALID_ARGUMENT, InvalidArgument),
        (code_pb2.CODE_OUT_OF_RANGE, InvalidArgument),
        (code_pb2.CODE_UNIMPLEMENTED, Unsupported),
        (code_pb2.CODE_UNAVAILABLE, Unavailable),
        (code_pb2.CODE_DEADLINE_EXCEEDED, Unavailable),
        (code_pb2.CODE_INSUFFICIENT_STORAGE, QuotaExceeded),
        (code_pb2.CODE_INTERNAL, ServerError),
        (code_pb2.CODE_UNKNOWN, ServerError),
        (code_pb2.CODE_INVALID, ServerError),
    ],
)
def test_status_codes_map_to_typed_errors(code: int, expected: type[CS3Error]) -> None:
    error = error_from_status(
        Status(code=code, message="the server says why"), operation="Stat", resource="/home/x"
    )
    assert type(error) is expected
    assert error.message == "the server says why"
    assert error.source == "status"
    assert "Stat /home/x" in str(error) and "the server says why" in str(error)


def test_ok_status_is_no_error() -> None:
    assert error_from_status(Status(code=code_pb2.CODE_OK), operation="Stat", resource="/x") is None


def test_every_cs3_code_maps_to_some_cs3_error() -> None:
    for name, number in code_pb2.Code.items():
        if name != "CODE_OK":
            assert isinstance(error_from_status(Status(code=number), operation="op", resource="r"), CS3Error)


class FakeRpcError(grpc.aio.AioRpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


@pytest.mark.parametrize(
    "code, expected",
    [
        (grpc.StatusCode.UNAVAILABLE, Unavailable),
        (grpc.StatusCode.DEADLINE_EXCEEDED, Unavailable),
        (grpc.StatusCode.UNAUTHENTICATED, Unauthenticated),
        (grpc.StatusCode.PERMISSION_DENIED, PermissionDenied),
        (grpc.StatusCode.UNIMPLEMENTED, Unsupported),
        (grpc.StatusCode.INTERNAL, ServerError),
    ],
)
def test_grpc_errors_map_to_the_same_typed_errors(code: grpc.StatusCode, expected: type[CS3Error]) -> None:
    error = error_from_grpc(
        FakeRpcError(code, "auth: core access token is invalid"), operation="Stat", resource="/x"
    )
    assert type(error) is expected
    assert error.source == "grpc" and error.code == code.name
    assert "core access token is invalid" in str(error)


@pytest.mark.parametrize(
    "status, expected",
    [
        (400, InvalidArgument),
        (401, Unauthenticated),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Locked),
        (412, Conflict),
        (423, Locked),
        (500, ServerError),
        (501, Unsupported),
        (503, Unavailable),
        (507, QuotaExceeded),
    ],
)
def test_http_replies_map_to_the_same_typed_errors(status: int, expected: type[CS3Error]) -> None:
    error = error_from_http(status, "", operation="upload", resource="/home/x")
    assert type(error) is expected
    assert error.code == f"HTTP {status}" and str(status) in str(error)


def test_locked_is_a_conflict_and_invalid_argument_a_value_error() -> None:
    assert issubclass(Locked, Conflict)
    assert issubclass(InvalidArgument, ValueError)
