"""The `images` key: each entry's shape and types, its paths in this project, and production's rules.

The rules on the values themselves (names, tags, platforms, lengths, uniqueness) belong to the
components (components.project_args.check_project_args) and run there, once.
"""

import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.project_args import DEFAULT_CONTEXT, ProjectImageArgs

from .errors import Problems
from .keys import IMAGE_FIELDS, did_you_mean, full


@dataclass(frozen=True)
class ImageSpec:
    """One entry of the images key, with this program's defaults applied."""

    name: str
    tag: str
    index: int = 0
    """Its position in the images key's list (errors name it)."""
    context: str = DEFAULT_CONTEXT
    dockerfile: str | None = None
    """Relative to the project directory; None means `<context>/Dockerfile`."""
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    platform: str | None = None
    platforms: tuple[str, ...] | None = None
    """A multi-platform image (an image index over one image per platform); None builds one platform."""
    public: bool = False
    immutable: bool = False
    """True in production stacks unless the image says otherwise (which production refuses)."""
    repository_ocid: str | None = None
    """An existing repository to adopt (import) instead of creating it."""

    @property
    def dockerfile_path(self) -> str:
        return self.dockerfile or f"{self.context}/Dockerfile"

    def args(self) -> ProjectImageArgs:
        """The image as OcirProject takes it."""
        image: ProjectImageArgs = {"name": self.name, "tag": self.tag, "context": self.context}
        if self.dockerfile:
            image["dockerfile"] = self.dockerfile
        if self.build_args:
            image["build_args"] = dict(self.build_args)
        if self.target:
            image["target"] = self.target
        if self.platform:
            image["platform"] = self.platform
        if self.platforms is not None:
            image["platforms"] = list(self.platforms)
        image["public"] = self.public
        image["immutable"] = self.immutable
        if self.repository_ocid:
            image["repository_ocid"] = self.repository_ocid
        return image


def boolean(value: Any, key: str, problems: Problems, *, json_value: bool = False) -> bool:
    # The CLI passes a top-level boolean as the string "true" or "false" (as Config.get_bool
    # reads it); inside the JSON of a structured value it stays a JSON boolean.
    if value is None or (value == "" and not json_value):
        return False
    if value is True or (value == "true" and not json_value):
        return True
    if value is False or (value == "false" and not json_value):
        return False
    kind = "a YAML/JSON boolean, true or false (not a string)" if json_value else "true or false"
    problems.add(key, f"must be {kind}, got {value!r}")
    return False


def _relative_path(value: Any, key: str, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value:
        problems.add(key, f"must be a non-empty path string, got {value!r}")
        return None
    if value.startswith("/") or "\\" in value or ":" in value:
        problems.add(
            key,
            "must be a relative POSIX path inside the project directory (an absolute path "
            f"differs between machines and would show a diff on every preview); got {value!r}",
        )
        return None
    normalised = posixpath.normpath(value)
    if normalised == ".." or normalised.startswith("../"):
        problems.add(key, f"must stay inside the project directory; got {value!r}")
        return None
    return normalised


def _platforms(value: Any, key: str, problems: Problems) -> tuple[str, ...] | None:
    """A YAML list of strings; the rules on the platforms themselves are the components'."""
    if not isinstance(value, list):
        problems.add(key, f"must be a list of platforms such as [linux/amd64, linux/arm64], got {value!r}")
        return None
    bad = [(index, item) for index, item in enumerate(value) if not isinstance(item, str)]
    for index, item in bad:
        problems.add(f"{key}[{index}]", f"must be a string such as linux/arm64, got {type(item).__name__} {item!r}")
    return None if bad else tuple(value)


def _image(
    index: int, item: Any, namespace: str, project_dir: Path | None, problems: Problems, production: bool
) -> ImageSpec | None:
    where = f"{full(namespace, 'images')}[{index}]"
    if not isinstance(item, dict):
        problems.add(where, f"must be an object with at least name and tag, got {item!r}")
        return None
    before = len(problems.items)
    for unknown in sorted(set(item) - set(IMAGE_FIELDS)):
        suggestion = did_you_mean(unknown, IMAGE_FIELDS)
        problems.add(f"{where}.{unknown}", f"unknown field{suggestion}; known fields: {', '.join(IMAGE_FIELDS)}")

    def text(name: str, required: bool = False) -> str | None:
        value = item.get(name)
        if value is None:
            if required:
                problems.add(f"{where}.{name}", "is required")
            return None
        if not isinstance(value, str):
            quote = ' (quote it in YAML, e.g. "1.0")' if isinstance(value, (int, float)) else ""
            problems.add(f"{where}.{name}", f"must be a string, got {type(value).__name__} {value!r}{quote}")
            return None
        return value

    name, tag = text("name", required=True), text("tag", required=True)
    context = DEFAULT_CONTEXT
    if "context" in item:
        context = _relative_path(item["context"], f"{where}.context", problems) or DEFAULT_CONTEXT
    dockerfile = None
    if "dockerfile" in item:
        dockerfile = _relative_path(item["dockerfile"], f"{where}.dockerfile", problems)
    dockerfile_path = dockerfile or f"{context}/Dockerfile"
    if project_dir is not None:
        if not (project_dir / context).is_dir():
            problems.add(f"{where}.context", f"directory {context!r} does not exist in {project_dir}")
        elif not (project_dir / dockerfile_path).is_file():
            problems.add(
                f"{where}.dockerfile",
                f"file {dockerfile_path!r} does not exist in {project_dir} (paths are relative to the project)",
            )

    build_args: dict[str, str] = {}
    raw_args = item.get("buildArgs", {})
    if not isinstance(raw_args, dict):
        problems.add(f"{where}.buildArgs", f"must be a map of names to strings, got {raw_args!r}")
    else:
        for arg, value in raw_args.items():
            if not isinstance(value, str):
                problems.add(
                    f"{where}.buildArgs.{arg}",
                    f"must be a string, got {type(value).__name__} {value!r} (quote it in YAML)",
                )
            else:
                build_args[arg] = value

    target, platform, repository_ocid = text("target"), text("platform"), text("repositoryOcid")
    platforms = _platforms(item.get("platforms"), f"{where}.platforms", problems) if "platforms" in item else None
    public = boolean(item.get("public"), f"{where}.public", problems, json_value=True)
    immutable = production
    if "immutable" in item:
        immutable = boolean(item["immutable"], f"{where}.immutable", problems, json_value=True)
    if production:
        # A production tag must name one build forever: an overwritable tag (or `latest`) lets a
        # push silently change what every deployment of that tag runs.
        if item.get("immutable") is False:
            problems.add(
                f"{where}.immutable",
                f"must not be false in a production stack ({full(namespace, 'production')} is true): "
                "production repositories are immutable",
            )
        if tag == "latest":
            problems.add(
                f"{where}.tag",
                f"must not be 'latest' in a production stack ({full(namespace, 'production')} is true): "
                "tag each release with its version",
            )

    if len(problems.items) > before or name is None or tag is None:
        return None
    return ImageSpec(
        name=name,
        tag=tag,
        index=index,
        context=context,
        dockerfile=dockerfile,
        build_args=build_args,
        target=target,
        platform=platform,
        platforms=platforms,
        public=public,
        immutable=immutable,
        repository_ocid=repository_ocid,
    )


def parse_images(
    value: Any, namespace: str, project_dir: Path | None, problems: Problems, production: bool
) -> tuple[ImageSpec, ...]:
    """The images key as the CLI passes it (a JSON string) or as a YAML list."""
    key = full(namespace, "images")
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            problems.add(key, f"must be a list of image objects (name, tag, ...), got the string {value!r}")
            return ()
    if not isinstance(value, list):
        problems.add(key, f"must be a list of image objects (name, tag, ...), got {value!r}")
        return ()
    images = [_image(index, item, namespace, project_dir, problems, production) for index, item in enumerate(value)]
    return tuple(image for image in images if image is not None)
