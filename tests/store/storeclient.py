"""A logged-in gRPC session over the real store process (sync stubs from cs3apis) and HTTP
transfers with httpx: the vocabulary of the store's tests."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import httpx
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp

PASSWORDS = {"einstein": "relativity", "marie": "radioactivity", "richard": "superfluidity"}


def path_ref(path: str) -> rp.Reference:
    return rp.Reference(path=path)


def id_ref(resource_id: rp.ResourceId, relative: str = ".") -> rp.Reference:
    return rp.Reference(resource_id=resource_id, path=relative)


@dataclass
class Session:
    """One user logged in to the store."""

    stub: GatewayAPIStub
    token: str
    user: object

    @property
    def md(self) -> list[tuple[str, str]]:
        return [("x-access-token", self.token)]

    def call(self, name: str, request):
        return getattr(self.stub, name)(request, metadata=self.md, timeout=10)

    def ok(self, name: str, request):
        response = self.call(name, request)
        assert response.status.code == code_pb2.CODE_OK, f"{name}: {response.status}"
        return response

    def stat(self, ref: rp.Reference) -> rp.ResourceInfo:
        return self.ok("Stat", sp.StatRequest(ref=ref)).info

    def mkdir(self, path: str) -> rp.ResourceInfo:
        self.ok("CreateContainer", sp.CreateContainerRequest(ref=path_ref(path)))
        return self.stat(path_ref(path))

    def initiate_upload(self, ref: rp.Reference, **kwargs) -> gw.InitiateFileUploadResponse:
        return self.call("InitiateFileUpload", sp.InitiateFileUploadRequest(ref=ref, **kwargs))

    def put(
        self,
        ref: rp.Reference,
        data: bytes,
        lock_id: str = "",
        header_lock_id: str | None = None,
        app_name: str = "",
    ) -> httpx.Response:
        """InitiateFileUpload (must succeed) then the PUT; returns the HTTP response."""
        initiated = self.initiate_upload(ref, lock_id=lock_id)
        assert initiated.status.code == code_pb2.CODE_OK, initiated.status
        protocol = next(p for p in initiated.protocols if p.protocol == "simple")
        headers = {"X-Reva-Transfer": protocol.token, "x-access-token": self.token}
        if header_lock_id is not None:
            headers["X-Lock-Id"] = header_lock_id
        if app_name:
            headers["X-Lock-Holder"] = app_name
        return httpx.put(protocol.upload_endpoint, content=data, headers=headers, timeout=10)

    def write(self, ref: rp.Reference, data: bytes, lock_id: str = "") -> rp.ResourceInfo:
        response = self.put(ref, data, lock_id=lock_id)
        assert response.status_code == 200, response.text
        return self.stat(ref)

    def download_endpoint(self, ref: rp.Reference) -> str:
        initiated = self.ok("InitiateFileDownload", sp.InitiateFileDownloadRequest(ref=ref))
        assert {p.protocol for p in initiated.protocols} >= {"simple", "spaces"}
        return next(p for p in initiated.protocols if p.protocol == "simple").download_endpoint

    def get(self, ref: rp.Reference, headers: dict | None = None) -> httpx.Response:
        return httpx.get(
            self.download_endpoint(ref), headers={"x-access-token": self.token, **(headers or {})}, timeout=10
        )

    def read(self, ref: rp.Reference) -> bytes:
        response = self.get(ref)
        assert response.status_code == 200, response.text
        return response.content


def login(address: str, username: str, password: str | None = None) -> Session:
    stub = GatewayAPIStub(grpc.insecure_channel(address))
    response = stub.Authenticate(
        gw.AuthenticateRequest(
            type="basic", client_id=username, client_secret=password or PASSWORDS[username]
        ),
        timeout=10,
    )
    assert response.status.code == code_pb2.CODE_OK, response.status
    return Session(stub, response.token, response.user)
