"""The ocir Pulumi program: onboard one project onto OCIR from the stack's config."""

import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# The Pulumi CLI runs this file from the project directory; the plan command and the tests may
# run it from elsewhere, so make the `components` package importable either way.
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from components.config import ConfigError, parse_settings, read_pulumi_config  # noqa: E402
from components.project import OcirProject, OcirProjectArgs  # noqa: E402
from components.tokens import TokenSlotError, check_token_slots, existing_tokens  # noqa: E402

try:
    settings = parse_settings(read_pulumi_config(), project_dir=PROJECT_DIR)
except ConfigError as error:
    # RunError ends the program with just this message (each line starts with the bad key), no
    # traceback; nothing has been declared yet.
    raise pulumi.RunError(str(error)) from error

try:
    # OCI allows two auth tokens per user: fail the preview now, not half-way through `up`.
    check_token_slots(existing_tokens(settings.user_ocid), settings.user_ocid, settings.prefix, settings.token_rotation)
except TokenSlotError as error:
    key = "ocir:userOcid" if error.argument == "user" else "ocir:tokenRotation"
    raise pulumi.RunError(f"{key}: {error}") from error

project = OcirProject(
    settings.prefix,
    OcirProjectArgs.from_settings(
        settings,
        freeform_tags={"managed-by": "pulumi", "pulumi-stack": f"{pulumi.get_project()}/{pulumi.get_stack()}"},
    ),
)

pulumi.export("registryServer", project.registry_server)
pulumi.export("namespace", project.namespace)
pulumi.export("loginUsername", project.login_username)
pulumi.export("authToken", project.auth_token)
pulumi.export("policyId", project.policy_id)
pulumi.export("images", project.images)
