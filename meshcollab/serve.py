"""`meshcollab serve`: JupyterLab with meshcollab, on a real CS3 gateway or on an embedded store.

Without `--gateway` it starts the embedded store in the data directory, with Reva's demo users and
a demo notebook in einstein's home; the URL it prints (with Jupyter's token) signs the browser in as
einstein (single-user mode), and the other demo users sign in at /login with their CS3 passwords.
With `--gateway`, every user signs in at /login (or with Basic/Bearer) as themselves. Arguments it does not know go to
JupyterLab as they are (`--MeshCollab.save_delay=2`, `--ServerApp.port=9999`, ...).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import anyio

from meshcollab.cs3 import CS3Config, CS3Gateway, NotFound
from meshcollab.embedded_store import StoreProcess

DEMO_NOTEBOOK = Path(__file__).parent / "demo" / "welcome.ipynb"
# Reva's demo users and a project space they share, so that Projects/ has something to show.
DEMO_PROJECTS = Path(__file__).parent / "demo" / "projects.json"
DEMO_USER, DEMO_PASSWORD = "einstein", "relativity"


def add_serve_command(subcommands: argparse._SubParsersAction) -> None:
    serve = subcommands.add_parser(
        "serve",
        help="run JupyterLab with real-time collaboration on CS3 storage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--gateway", help="HOST:PORT of a CS3 gateway (Reva); default: start an embedded store")
    serve.add_argument("--tls", action="store_true", help="use TLS to reach the gateway")
    serve.add_argument("--tls-ca", default="", help="PEM file of the CA that signed the gateway's certificate")
    serve.add_argument("--tls-cert", default="", help="PEM client certificate for mutual TLS")
    serve.add_argument("--tls-key", default="", help="PEM private key of --tls-cert")
    serve.add_argument(
        "--data-dir", type=Path, default=Path("data"), help="folder of the server's state (and of the embedded store)"
    )
    serve.add_argument("--store-port", type=int, default=0, help="gRPC port of the embedded store (default: any free)")
    serve.set_defaults(run=run_serve, pass_through=True)


async def _seed_demo(gateway_address: str) -> None:
    """Put the demo notebook into the demo user's home, once."""
    async with CS3Gateway(CS3Config(gateway=gateway_address)) as gateway:
        session = await gateway.login_basic(DEMO_USER, DEMO_PASSWORD)
        target = f"{await session.home()}/{DEMO_NOTEBOOK.name}"
        try:
            await session.files.stat(target)
        except NotFound:
            await session.files.write(target, DEMO_NOTEBOOK.read_bytes())


def _jupyter_arguments(args: argparse.Namespace, gateway: str) -> list[str]:
    arguments = [
        f"--CS3Config.gateway={gateway}",
        f"--MeshCollab.data_dir={(args.data_dir / 'server').resolve()}",
        "--ServerApp.contents_manager_class=meshcollab.contents.CS3ContentsManager",
        "--ServerApp.identity_provider_class=meshcollab.identity_provider.CS3IdentityProvider",
        "--ServerApp.authorizer_class=meshcollab.auth.CS3Authorizer",
        "--ServerApp.jpserver_extensions={'meshcollab': True, 'jupyter_server_ydoc': False}",
    ]
    if args.tls or args.tls_ca:
        arguments.append("--CS3Config.tls=True")
    for trait, value in (("tls_ca_file", args.tls_ca), ("tls_cert_file", args.tls_cert), ("tls_key_file", args.tls_key)):
        if value:
            arguments.append(f"--CS3Config.{trait}={value}")
    return arguments


def run_serve(args: argparse.Namespace, jupyter_argv: list[str]) -> int:
    from jupyterlab.labapp import LabApp

    store = None
    gateway = args.gateway
    if gateway is None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        store = StoreProcess(root=args.data_dir / "store", users_file=DEMO_PROJECTS)
        store.start(grpc_port=args.store_port)
        gateway = store.grpc_address
        anyio.run(_seed_demo, gateway)
        os.environ.setdefault("MESHCOLLAB_CS3_PASSWORD", DEMO_PASSWORD)
        if not any(arg.startswith("--MeshCollab.cs3_username") for arg in jupyter_argv):
            jupyter_argv = [f"--MeshCollab.cs3_username={DEMO_USER}", *jupyter_argv]
        print(
            f"meshcollab: embedded CS3 store at {gateway}; the token URL signs in as {DEMO_USER}, "
            "/login takes any demo user (marie/radioactivity, richard/superfluidity)",
            flush=True,
        )
    try:
        LabApp.launch_instance(argv=_jupyter_arguments(args, gateway) + jupyter_argv)
    finally:
        if store is not None:
            store.stop()
    return 0
