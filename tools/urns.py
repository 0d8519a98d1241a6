"""The URNs each stack file declares, kept in tests/urns/<stack>.txt as the record of what
deployed stacks hold.

    python -m tools.urns            print every stack's URNs
    python -m tools.urns --update   record every stack as it is now, saying what was added and removed

A URN in the record that the program no longer declares, and that no alias covers, is a
resource `pulumi up` would delete (or, when protected, refuse to): tests/test_urns.py fails on
it, naming it. After a change you mean (new values in a stack file, a stack added or removed),
`--update` records the stacks as they are and forgets the records of stacks that are gone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.engine.mocks import OcirMocks
from tools.harness import run_stack
from tools.stackfiles import PROJECT_DIR, StackFileError, stack_names


def record_dir(project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / "tests" / "urns"


def record_path(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return record_dir(project_dir) / f"{stack}.txt"


def recorded(stack: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    path = record_path(stack, project_dir)
    if not path.is_file():
        return []
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def declared(stack: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    run = run_stack(stack, project_dir=project_dir, mocks=OcirMocks(), raise_errors=False)
    if run.error is not None:
        raise ValueError(f"stack {stack} is not valid:\n{run.error}")
    return sorted(r.urn for r in run.resources)


def update(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Record every stack as it is; the lines say what changed."""
    lines: list[str] = []
    stacks = stack_names(project_dir)
    record_dir(project_dir).mkdir(parents=True, exist_ok=True)
    for stack in stacks:
        urns, known = declared(stack, project_dir), recorded(stack, project_dir)
        added = [urn for urn in urns if urn not in known]
        removed = [urn for urn in known if urn not in urns]
        record_path(stack, project_dir).write_text("\n".join(urns) + "\n")
        lines.append(f"{stack}: {len(urns)} URN(s) recorded, {len(added)} added, {len(removed)} removed")
        lines += [f"  + {urn}" for urn in added] + [f"  - {urn}" for urn in removed]
    for path in sorted(record_dir(project_dir).glob("*.txt")):
        if path.stem not in stacks:
            path.unlink()
            lines.append(f"{path.stem}: no stack file Pulumi.{path.stem}.yaml any more, its record is forgotten")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.urns", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record every stack as it is now")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.update:
            print("\n".join(update(args.project_dir)))
            return 0
        for stack in stack_names(args.project_dir):
            print(f"# {stack}")
            print("\n".join(declared(stack, args.project_dir)))
    except StackFileError as error:
        print(error, file=sys.stderr)  # `<file>:<line>:<column>: <what>`
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
