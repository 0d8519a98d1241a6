"""ImageScanning's arguments and their rules, without the provider SDK (see project_args.py)."""

from typing import NotRequired, TypedDict

from . import naming
from ._args import Problems


class ImageScanningArgs(TypedDict):
    tenancy_ocid: str
    """Tenancy OCID: the scanning service's policy lives in its root compartment."""
    compartment_ocid: str
    """Compartment of the repositories (the tenancy OCID for the root compartment); the recipe, the target
    and the scan results live there, and the service may read only there."""
    prefix: str
    """Project prefix: every repository must be named `<prefix>-…`; names the policy `<prefix>-vss-policy`."""
    repository_names: list[str]
    """Full names of the repositories to scan, at least one. Never empty: OCI reads an empty list as every
    repository in the compartment. A repository can be in one scan target only."""
    freeform_tags: NotRequired[dict[str, str]]
    """Free-form tags for the recipe, the target and the policy; default none."""


def check_scanning_args(args: ImageScanningArgs, problems: Problems, path: str = "") -> None:
    """The scanning rules; ``path`` prefixes each problem."""
    problems.check(f"{path}tenancy_ocid", args["tenancy_ocid"], naming.check_ocid, "tenancy")
    problems.check(f"{path}compartment_ocid", args["compartment_ocid"], naming.check_ocid, "compartment", "tenancy")
    prefix = problems.check(f"{path}prefix", args["prefix"], naming.check_prefix)
    names = args["repository_names"]
    if not isinstance(names, list) or not names:
        problems.add(
            f"{path}repository_names",
            "must name at least one repository: an empty list makes OCI scan every repository in the compartment",
        )
        return
    seen: set[str] = set()
    for index, name in enumerate(names):
        where = f"{path}repository_names[{index}]"
        if not isinstance(name, str) or problems.check(where, name, naming.check_repository_name) is None:
            if not isinstance(name, str):
                problems.add(where, f"must be a repository name, got {name!r}")
            continue
        if prefix and not name.startswith(f"{prefix}-"):
            problems.add(where, f"{name!r} is not one of the project's repositories (named '{prefix}-…')")
        if name in seen:
            problems.add(where, f"{name!r} is listed twice")
        seen.add(name)
