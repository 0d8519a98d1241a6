"""The ocir program: onboard one project onto OCIR from the stack's config."""

import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# The Pulumi CLI runs this file from the project directory; the plan command and the tests may
# run it from elsewhere, so make the packages importable either way.
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from components import OcirProject, already_checked  # noqa: E402
from components.tokens import TokenSlotError, check_token_slots, existing_tokens  # noqa: E402
from stackconfig import ConfigError, parse_settings, read_pulumi_config  # noqa: E402
from stackconfig.promotion import source_references  # noqa: E402

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

args = settings.project_args(
    freeform_tags={"managed-by": "pulumi", "pulumi-stack": f"{pulumi.get_project()}/{pulumi.get_stack()}"}
)
opts = None
if settings.promote_from:
    if settings.promote_from.split("/")[1:] == [pulumi.get_project(), pulumi.get_stack()]:
        raise pulumi.RunError(f"ocir:promoteFrom: {settings.promote_from} is this stack; name the source stack")
    # Promotion (docs/rollout.md): read the source stack's outputs and pull with its own credentials
    # through this provider, so this stack's policy needs no grant on its repositories.
    import pulumi_docker as docker

    source = pulumi.StackReference(f"{settings.prefix}-promote-from", stack_name=settings.promote_from)
    pull_registry = docker.Provider(
        f"{settings.prefix}-pull-registry",
        registry_auth=[
            docker.ProviderRegistryAuthArgs(
                address=source.require_output("registryServer"),
                username=source.require_output("loginUsername"),
                password=pulumi.Output.secret(source.require_output("authToken")),
            )
        ],
    )
    images = args.get("images") or []
    references = source_references(
        source.require_output("images"), [image["name"] for image in images], settings.promote_from
    )
    for image in images:
        image["source_reference"] = references[image["name"]]
        image["promoted_from"] = settings.promote_from
    opts = pulumi.ResourceOptions(providers={"docker": pull_registry})

# parse_settings ran OcirProject's argument checks (naming config keys): they do not run again.
with already_checked():
    project = OcirProject(settings.prefix, args, opts)

pulumi.export("registryServer", project.registry_server)
pulumi.export("namespace", project.namespace)
pulumi.export("loginUsername", project.login_username)
pulumi.export("authToken", project.auth_token)
pulumi.export("policyId", project.policy_id)
pulumi.export("images", project.images)
if project.scan_target_id is not None:
    pulumi.export("scanTargetId", project.scan_target_id)
