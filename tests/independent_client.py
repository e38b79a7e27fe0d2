"""CERN's `cs3client` package, connected to a store: a CS3 client that owes nothing to meshcollab."""

from __future__ import annotations

import logging
from configparser import ConfigParser

from cs3client.auth import Auth
from cs3client.cs3client import CS3Client


def connect(grpc_address: str, username: str = "einstein", password: str = "relativity") -> tuple[CS3Client, str]:
    """A cs3client connection and its access token; close it with `client.channel.close()`."""
    config = ConfigParser()
    config["cs3client"] = {
        "host": grpc_address,
        "auth_client_id": username,
        "auth_client_secret": password,
        "auth_login_type": "basic",
        "grpc_timeout": "10",
        "http_timeout": "10",
        "lock_expiration": "120",
    }
    client = CS3Client(config, "cs3client", logging.getLogger("cs3client"))
    return client, Auth(client).get_token()
