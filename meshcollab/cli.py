"""The `meshcollab` console command and its subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meshcollab.serve import add_serve_command


def _add_store_command(subcommands: argparse._SubParsersAction) -> None:
    store = subcommands.add_parser(
        "store",
        help="run the embedded CS3 store (gateway API over gRPC, data transfer over HTTP)",
        description="Run the embedded CS3 storage service over a local folder. "
        "It prints one line 'meshcollab-store ready grpc=HOST:PORT data=URL' once it accepts requests.",
    )
    store.add_argument("--root", type=Path, required=True, help="folder that holds the files and the store's metadata")
    store.add_argument("--port", type=int, required=True, help="gRPC port of the CS3 gateway API (0: any free port)")
    store.add_argument(
        "--data-port", type=int, default=None, help="HTTP port of the data transfer (default: PORT+1, or any free port when PORT is 0)"
    )
    store.add_argument("--users", type=Path, default=None, help="JSON file of users (default: Reva's demo users)")
    store.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    store.set_defaults(run=_run_store)


def _run_store(args: argparse.Namespace) -> int:
    # The only place meshcollab touches the store: starting it as a service.
    from meshcollab_store.service import run_forever

    return run_forever(root=args.root, grpc_port=args.port, data_port=args.data_port, users_file=args.users, host=args.host)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meshcollab", description="Collaborative Jupyter notebooks on CS3 storage.")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_store_command(subcommands)
    add_serve_command(subcommands)
    return parser


def main(argv: list[str] | None = None) -> None:
    args, rest = build_parser().parse_known_args(argv)
    if getattr(args, "pass_through", False):
        sys.exit(args.run(args, rest))
    if rest:
        build_parser().error(f"unrecognized arguments: {' '.join(rest)}")
    sys.exit(args.run(args))
