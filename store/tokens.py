"""Signed tokens: access tokens (what `Authenticate` returns and every call carries in
`x-access-token`) and transfer tokens (what InitiateFileUpload/Download hand out for one HTTP
transfer). HS256 JWTs with `exp`; the secret lives in the store's metadata folder so tokens
stay valid across restarts."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import jwt

ACCESS = "access"
TRANSFER = "transfer"
DEFAULT_ACCESS_LIFETIME = 3600.0
DEFAULT_TRANSFER_LIFETIME = 300.0
VERIFIED_TOKENS_KEPT = 4096  # access tokens whose claims are kept after a first verification


class InvalidToken(Exception):
    """Forged, malformed, expired, or of the wrong kind."""


@dataclass(frozen=True)
class Scope:
    """Restricts a token to one resource (and what lies below it) with fixed permissions.
    Public-link tokens carry one: `ref` names what granted it (the link token)."""

    resource_id: str  # opaque id of the node the token reaches
    permissions: frozenset[str]  # ResourcePermissions field names
    kind: str = "publicshare"
    ref: str = ""

    def to_claim(self) -> dict:
        return {
            "resource": self.resource_id,
            "permissions": sorted(self.permissions),
            "kind": self.kind,
            "ref": self.ref,
        }

    @classmethod
    def from_claim(cls, claim: dict) -> Scope:
        return cls(
            claim["resource"], frozenset(claim["permissions"]), claim.get("kind", ""), claim.get("ref", "")
        )


@dataclass(frozen=True)
class AccessClaims:
    user_id: str  # opaque id of the user the token acts as
    scope: Scope | None


@dataclass(frozen=True)
class TransferClaims:
    operation: str  # "upload" | "download"
    user_id: str
    path: str  # the storage path the transfer was initiated for (a new file has no id yet)
    opaque_id: str  # the node's id, or "" for an upload that creates the file
    version_key: str  # download of a version, else ""
    # An upload's preconditions, checked again when its content lands (the file may change between
    # InitiateFileUpload and the PUT, as Reva re-checks them when an upload finishes).
    if_match: str = ""
    if_not_exist: bool = False


class TokenIssuer:
    def __init__(
        self,
        secret: bytes,
        access_lifetime: float = DEFAULT_ACCESS_LIFETIME,
        transfer_lifetime: float = DEFAULT_TRANSFER_LIFETIME,
    ) -> None:
        self._secret = secret
        self.access_lifetime = access_lifetime
        self.transfer_lifetime = transfer_lifetime
        self._verified: OrderedDict[str, tuple[AccessClaims, float]] = OrderedDict()  # token -> (claims, exp)

    @staticmethod
    def load_secret(path: Path) -> bytes:
        """Read the persisted secret, creating it (mode 0600) on first start."""
        if not path.exists():
            path.write_bytes(secrets.token_bytes(32).hex().encode())
            path.chmod(0o600)
        return path.read_bytes().strip()

    def issue_access(self, user_id: str, scope: Scope | None = None, lifetime: float | None = None) -> str:
        claims = {"typ": ACCESS, "sub": user_id, **self._times(lifetime or self.access_lifetime)}
        if scope is not None:
            claims["scope"] = scope.to_claim()
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify_access(self, token: str) -> AccessClaims:
        """The claims of a valid access token. Every RPC verifies its caller's token, so the claims of
        tokens seen recently are kept until they expire: an HMAC check and a JSON parse per call were
        a fifth of the store's time on a Stat. (What a scope grants is still checked on every call,
        by the store's scope checks.)"""
        if (seen := self._verified.get(token)) is not None and seen[1] > time.time():
            return seen[0]
        claims = self._decode(token, ACCESS)
        try:
            scope = Scope.from_claim(claims["scope"]) if "scope" in claims else None
            verified = AccessClaims(user_id=claims["sub"], scope=scope)
        except (KeyError, TypeError) as exc:
            raise InvalidToken(f"malformed access token: {exc}") from exc
        self._verified[token] = (verified, float(claims["exp"]))
        while len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return verified

    def issue_transfer(self, claims: TransferClaims) -> str:
        payload = {"typ": TRANSFER, **claims.__dict__, **self._times(self.transfer_lifetime)}
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify_transfer(self, token: str) -> TransferClaims:
        claims = self._decode(token, TRANSFER)
        try:
            return TransferClaims(**{name: claims[name] for name in TransferClaims.__dataclass_fields__})
        except KeyError as exc:
            raise InvalidToken(f"malformed transfer token: {exc}") from exc

    @staticmethod
    def _times(lifetime: float) -> dict:
        now = time.time()
        return {"iat": int(now), "exp": now + lifetime}

    def _decode(self, token: str, kind: str) -> dict:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if claims.get("typ") != kind:
            raise InvalidToken(f"not an {kind} token")
        return claims
