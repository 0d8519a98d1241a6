"""The ocir program: onboard one project onto OCIR from the stack's config."""

import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# The Pulumi CLI runs this file from the project directory; the plan command and the tests may
# run it from elsewhere, so make the packages importable either way.
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from components import OcirProject, already_checked, config_keys  # noqa: E402
from stackconfig import ConfigError, parse_settings, program_tags, read_pulumi_config  # noqa: E402
from stackconfig.preflight import preflight  # noqa: E402
from stackconfig.promotion import promotion_options  # noqa: E402

# The CLI puts the keys Pulumi.yaml declares in the project's namespace: the project's name, whatever
# a fork or `pulumi new` called it (stackconfig/keys.py).
NAMESPACE = pulumi.get_project()
try:
    settings = parse_settings(read_pulumi_config(NAMESPACE), NAMESPACE, project_dir=PROJECT_DIR)
except ConfigError as error:
    # RunError: the language host logs this message as an error, without a traceback, and exits 1; the
    # engine then adds "an unhandled error occurred: program exited with non-zero exit code: 1"
    # (docs/engine-rules.md). Each line of the message starts with the bad key; nothing has been declared yet.
    raise pulumi.RunError(str(error)) from error
# Lookups that can still refuse the stack (token slots, repositories to adopt), before any declaration.
preflight(settings)

args = settings.project_args(freeform_tags=program_tags(pulumi.get_project(), pulumi.get_stack()))
opts = promotion_options(settings, args)
# parse_settings ran OcirProject's argument checks (naming config keys): they do not run again. What the
# components find later (while outputs resolve) names the config keys too.
with already_checked(), config_keys(settings.key_of):
    project = OcirProject(settings.prefix, args, opts)

pulumi.export("registryServer", project.registry_server)
pulumi.export("namespace", project.namespace)
pulumi.export("loginUsername", project.login_username)
pulumi.export("authToken", project.auth_token)
pulumi.export("policyId", project.policy_id)
pulumi.export("images", project.images)
if project.scan_target_id is not None:
    pulumi.export("scanTargetId", project.scan_target_id)
if project.pull_secret is not None:
    pulumi.export("pullSecret", project.pull_secret)
