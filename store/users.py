"""Users and project spaces, from a JSON file in Reva's `users.json` shape, or Reva's demo users.

The file is a list of users, or {"users": [...], "projects": [...]} (without "users": Reva's demo
users, so that a file can add project spaces to them). A user is
{"id": {"opaqueId": ..., "idp": ...}, "username", "secret", "mail", "display_name", "groups",
"uid_number", "gid_number"}; a project is {"name": "physics", "description": "...",
"members": {"einstein": "manager", "marie": "editor", "richard": "viewer"}}.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2

DEMO_IDP = "http://localhost:20080"
PROJECT_ROLES = ("viewer", "editor", "manager")

# Reva's examples/storage-references/users.demo.json: the same ids, so tokens and shares look alike.
DEMO_USERS = [
    {
        "id": {"opaqueId": "4c510ada-c86b-4815-8820-42cdf82c3d51", "idp": DEMO_IDP},
        "username": "einstein",
        "secret": "relativity",
        "mail": "einstein@example.org",
        "display_name": "Albert Einstein",
        "groups": ["sailing-lovers", "violin-haters", "physics-lovers"],
        "uid_number": 123,
        "gid_number": 987,
    },
    {
        "id": {"opaqueId": "f7fbf8c8-139b-4376-b307-cf0a8c2d0d9c", "idp": DEMO_IDP},
        "username": "marie",
        "secret": "radioactivity",
        "mail": "marie@example.org",
        "display_name": "Marie Curie",
        "groups": ["radium-lovers", "polonium-lovers", "physics-lovers"],
        "uid_number": 456,
        "gid_number": 987,
    },
    {
        "id": {"opaqueId": "932b4540-8d16-481e-8ef4-588e4b6b151c", "idp": DEMO_IDP},
        "username": "richard",
        "secret": "superfluidity",
        "mail": "richard@example.org",
        "display_name": "Richard Feynman",
        "groups": ["quantum-lovers", "philosophy-haters", "physics-lovers"],
        "uid_number": 789,
        "gid_number": 987,
    },
]


@dataclass(frozen=True)
class UserRecord:
    opaque_id: str
    idp: str
    username: str
    secret: str = field(repr=False)
    mail: str = ""
    display_name: str = ""
    groups: tuple[str, ...] = ()
    uid_number: int = 0
    gid_number: int = 0

    def user_id(self) -> user_pb2.UserId:
        return user_pb2.UserId(idp=self.idp, opaque_id=self.opaque_id, type=user_pb2.USER_TYPE_PRIMARY)

    def to_proto(self) -> user_pb2.User:
        return user_pb2.User(
            id=self.user_id(),
            username=self.username,
            mail=self.mail,
            mail_verified=bool(self.mail),
            display_name=self.display_name,
            groups=list(self.groups),
            uid_number=self.uid_number,
            gid_number=self.gid_number,
        )

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret.encode(), secret.encode())


@dataclass(frozen=True)
class ProjectRecord:
    name: str
    description: str = ""
    members: dict[str, str] = field(default_factory=dict)  # username -> viewer | editor | manager

    def role_of(self, username: str) -> str | None:
        return self.members.get(username)


class UserDirectory:
    """Looks users up by id or claim; holds the configured project spaces."""

    def __init__(self, users: list[UserRecord], projects: list[ProjectRecord]) -> None:
        self.users = users
        self.projects = projects
        self._by_id = {u.opaque_id: u for u in users}
        self._by_name = {u.username: u for u in users}

    @classmethod
    def load(cls, path: Path | None) -> UserDirectory:
        if path is None:
            return cls([_user_from_json(u) for u in DEMO_USERS], [])
        data = json.loads(Path(path).read_text())
        raw_users, raw_projects = (
            (data, []) if isinstance(data, list) else (data.get("users", DEMO_USERS), data.get("projects", []))
        )
        users = [_user_from_json(u) for u in raw_users]
        directory = cls(users, [])
        directory.projects = [_project_from_json(p, directory) for p in raw_projects]
        return directory

    def by_id(self, opaque_id: str) -> UserRecord | None:
        return self._by_id.get(opaque_id)

    def by_username(self, username: str) -> UserRecord | None:
        return self._by_name.get(username)

    def by_claim(self, claim: str, value: str) -> UserRecord | None:
        """Reva's claims: username, mail, userid (the opaque id); uid and gid numbers too."""
        match claim:
            case "username":
                return self.by_username(value)
            case "userid" | "user_id" | "opaque_id":
                return self.by_id(value)
            case "mail":
                return next((u for u in self.users if u.mail == value), None)
            case "uid":
                return next((u for u in self.users if str(u.uid_number) == value), None)
            case _:
                return None

    def find(self, query: str) -> list[UserRecord]:
        """Case-insensitive substring of username, display name or mail."""
        needle = query.lower()
        return [
            u for u in self.users if any(needle in s.lower() for s in (u.username, u.display_name, u.mail))
        ]


def _user_from_json(raw: dict) -> UserRecord:
    ident = raw.get("id", {})
    opaque_id = ident.get("opaqueId") or ident.get("opaque_id")
    if not opaque_id or not raw.get("username"):
        raise ValueError(f"user entry needs id.opaqueId and username: {raw!r}")
    return UserRecord(
        opaque_id=opaque_id,
        idp=ident.get("idp", DEMO_IDP),
        username=raw["username"],
        secret=raw.get("secret", ""),
        mail=raw.get("mail", ""),
        display_name=raw.get("display_name") or raw.get("displayName") or raw["username"],
        groups=tuple(raw.get("groups", ())),
        uid_number=int(raw.get("uid_number", 0)),
        gid_number=int(raw.get("gid_number", 0)),
    )


def _project_from_json(raw: dict, directory: UserDirectory) -> ProjectRecord:
    name = raw.get("name", "")
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"project needs a plain folder name: {raw!r}")
    members = dict(raw.get("members", {}))
    for username, role in members.items():
        if directory.by_username(username) is None:
            raise ValueError(f"project {name}: unknown member {username!r}")
        if role not in PROJECT_ROLES:
            raise ValueError(
                f"project {name}: role of {username} must be one of {PROJECT_ROLES}, not {role!r}"
            )
    return ProjectRecord(name=name, description=raw.get("description", ""), members=members)
