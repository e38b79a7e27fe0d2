"""`python -m bench [NAME] [options]`: run one benchmark, or all of them in turn."""

from __future__ import annotations

import sys

from bench import collab, store_transfer

BENCHMARKS = {"store": store_transfer.run, "collab": collab.run}


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__ + "\nbenchmarks: " + ", ".join(BENCHMARKS))
        return
    if argv and argv[0] in BENCHMARKS:
        BENCHMARKS[argv[0]](argv[1:])
        return
    for run in BENCHMARKS.values():
        run(argv)


main(sys.argv[1:])
