"""Repository's arguments and their rules, without the provider SDK (see project_args.py)."""

from typing import NotRequired, TypedDict

import pulumi

from . import naming
from ._args import Problems
from .limits import check_tags


class RepositoryArgs(TypedDict):
    compartment_ocid: pulumi.Input[str]
    """Compartment the repository is created in (the tenancy OCID for the root compartment)."""
    repository_name: str
    """Full repository name, unique in the tenancy; OcirProject names it `<prefix>-<image name>`."""
    registry_server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    namespace: pulumi.Input[str]
    """Tenancy Object Storage namespace (the image path's first segment)."""
    public: NotRequired[bool]
    """Let anyone pull without logging in; default false (private)."""
    immutable: NotRequired[bool]
    """Refuse to overwrite or delete a pushed tag; default false."""
    freeform_tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Free-form tags for the repository (keys 1-100 characters without periods or spaces, values at most
    256); default none. Not applied while the repository is imported (see import_ocid)."""
    import_ocid: NotRequired[str]
    """OCID (`ocid1.containerrepo.…`) of an existing repository to adopt instead of creating one; its name,
    compartment, visibility and immutability must be the declared ones. While set, the repository keeps its
    own free-form tags (so the import matches); remove it after the first update. Default: create."""
    protect: NotRequired[bool]
    """Protect the repository and keep it in OCI when it leaves the stack (retain on delete), so a destroy
    or a rename cannot delete pushed images; default false."""


def check_repository_args(args: RepositoryArgs, problems: Problems, path: str = "") -> None:
    problems.check(f"{path}repository_name", args["repository_name"], naming.check_repository_name)
    compartment = args["compartment_ocid"]
    if isinstance(compartment, str):
        problems.check(f"{path}compartment_ocid", compartment, naming.check_ocid, "compartment", "tenancy")
    check_tags({k: v for k, v in (args.get("freeform_tags") or {}).items()}, problems, f"{path}freeform_tags")
    if "import_ocid" in args:
        problems.check(f"{path}import_ocid", args["import_ocid"], naming.check_ocid, "containerrepo")
