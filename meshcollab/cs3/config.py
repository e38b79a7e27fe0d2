"""How to reach a CS3 gateway and how patiently to talk to it."""

from __future__ import annotations

import random

from traitlets import Bool, Enum, Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable


class CS3Config(Configurable):
    """Connection settings of the CS3 adapter (`c.CS3Config.gateway = "localhost:19000"`)."""

    gateway = Unicode(
        "localhost:19000",
        config=True,
        help="host:port of the CS3 gateway's gRPC API (a Reva gateway, or `meshcollab store`).",
    )
    tls = Bool(
        False,
        config=True,
        help="Talk to the gateway over TLS. Data transfers follow the scheme of the endpoints the gateway "
        "hands out.",
    )
    tls_ca_file = Unicode(
        "",
        config=True,
        help="PEM file of the certificate authorities to trust for the gateway and the data endpoints "
        "(empty: the system's trust store).",
    )
    tls_cert_file = Unicode(
        "", config=True, help="PEM client certificate for mutual TLS (empty: no client certificate)."
    )
    tls_key_file = Unicode("", config=True, help="PEM private key of tls_cert_file.")
    deadline = Float(
        30.0,
        config=True,
        help="Seconds a single gRPC call may take, and the connect and read timeout of data transfers.",
    )
    retries = Int(
        3,
        config=True,
        help="How many times a read-only call is retried after a transient transport error "
        "(writes are never retried once they may have reached the server).",
    )
    retry_backoff = Float(
        0.2,
        config=True,
        help="Seconds before the first retry; each further retry waits twice as long.",
    )
    chunk_size = Int(
        1024 * 1024,
        config=True,
        help="Bytes per chunk when streaming file contents to and from the data endpoints.",
    )
    token_renewal_margin = Float(
        60.0,
        config=True,
        help="Renew a session's token when it expires within this many seconds.",
    )
    max_message_bytes = Int(
        64 * 1024 * 1024,
        config=True,
        help="Largest gRPC message accepted from the gateway (large folder listings).",
    )
    app_name = Unicode(
        "meshcollab",
        config=True,
        help="Application name put on the locks we take and sent as X-Lock-Holder with locked writes.",
    )
    version_download = Enum(
        ["opaque", "resource_id"],
        default_value="opaque",
        config=True,
        help="How the gateway addresses the download of a file version. 'opaque': the file's reference "
        "with the version key as `version_key` in the request's opaque map (cs3org/reva, e.g. CERNBox on "
        "EOS). 'resource_id': a resource id whose opaque id is the version key (Reva's decomposedfs, oCIS).",
    )
    basic_auth_type = Unicode(
        "basic", config=True, help="Auth type of username/password logins in the gateway's auth registry."
    )
    bearer_auth_type = Unicode(
        "bearer", config=True, help="Auth type of OIDC bearer tokens in the gateway's auth registry."
    )
    public_link_auth_type = Unicode(
        "publicshares", config=True, help="Auth type of public-link tokens in the gateway's auth registry."
    )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (from 0): exponential, with full jitter so that
        clients that failed together do not come back together."""
        return random.uniform(0, self.retry_backoff * 2**attempt)

    @validate("deadline", "chunk_size", "max_message_bytes")
    def _positive(self, proposal):
        if proposal["value"] <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive, got {proposal['value']}")
        return proposal["value"]

    @validate("retries", "retry_backoff", "token_renewal_margin")
    def _not_negative(self, proposal):
        if proposal["value"] < 0:
            raise TraitError(f"{proposal['trait'].name} must not be negative, got {proposal['value']}")
        return proposal["value"]
