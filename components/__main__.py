"""Plugin entry point: the Pulumi CLI runs this folder when a program uses the package
(`pulumi package add <path or git url>`), and the provider serves the components over gRPC."""

import importlib
import sys
from pathlib import Path

if __package__:  # python -m components
    from .provider import serve
else:
    # The plugin host runs this file as a script: make the folder importable as the package it is.
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    serve = importlib.import_module(f"{here.name}.provider").serve

if __name__ == "__main__":
    serve(sys.argv[1:])
