"""Print the ocir component package's schema, exactly as its provider serves it (no CLI, no network).

python -m tools.schema            print it
python -m tools.schema --update   write it to components/schema.json (the reviewed snapshot)
"""

import argparse
import json
import sys
from pathlib import Path

from components.provider import schema

SNAPSHOT = Path(__file__).resolve().parents[1] / "components" / "schema.json"


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help=f"write the schema to {SNAPSHOT.name}")
    args = parser.parse_args(argv)
    text = render()
    if args.update:
        SNAPSHOT.write_text(text)
        print(f"wrote {SNAPSHOT}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
