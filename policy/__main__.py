"""Entry point of the ocir policy pack, run by the Pulumi CLI: `pulumi preview --policy-pack policy`.

The CLI runs this file with the pack's own virtualenv (policy/venv, made from policy/requirements.txt
alone by `make policy-venv`: no provider SDK, see docs/policy-pack.md) and passes the stack's config
in PULUMI_CONFIG and the project's name in PULUMI_PROJECT; pack.py reads them with the program's own
config parser, so the project directory (this file's parent's parent) must be importable, which is
also why the pack is not published (docs/policy-pack.md).
"""

import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.pack import POLICIES, STACK_POLICIES  # noqa: E402

PolicyPack(
    name="ocir-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[*POLICIES, *STACK_POLICIES],
)
