"""The URNs each stack file declares, kept in tests/urns/<stack>.txt as the record of what
deployed stacks hold.

    python -m tools.urns            print every stack's URNs
    python -m tools.urns --update   add new URNs to the record (never removes one)

A URN in the record that the program no longer declares, and that no alias covers, is a
resource `pulumi up` would delete (or, when protected, refuse to): tests/test_urns.py fails on
it. Remove a line by hand only when the resource is meant to go.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.harness import run_stack
from tools.mocks import OcirMocks
from tools.stackfiles import PROJECT_DIR, stack_names

RECORD_DIR = PROJECT_DIR / "tests" / "urns"


def record_path(stack: str) -> Path:
    return RECORD_DIR / f"{stack}.txt"


def recorded(stack: str) -> list[str]:
    path = record_path(stack)
    if not path.is_file():
        return []
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def declared(stack: str) -> list[str]:
    return sorted(r.urn for r in run_stack(stack, mocks=OcirMocks()).resources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.urns", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="add new URNs to tests/urns/<stack>.txt")
    args = parser.parse_args(argv)
    for stack in stack_names():
        urns = declared(stack)
        if args.update:
            known = recorded(stack)
            added = [urn for urn in urns if urn not in known]
            RECORD_DIR.mkdir(parents=True, exist_ok=True)
            record_path(stack).write_text("\n".join(sorted({*known, *urns})) + "\n")
            print(f"{stack}: {len(added)} URN(s) added, {len(known) + len(added)} recorded")
        else:
            print(f"# {stack}")
            print("\n".join(urns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
