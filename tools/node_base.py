"""A Node.js base image built offline from Debian's packages, for engines that cannot reach Docker Hub.

    venv/bin/python -m tools.node_base [--docker-host unix:///path/docker.sock] [--cache-dir DIR]
                                       [--platform linux/arm64] [--tarball-only]

prints the image reference, ``ocir-local/node-base:<suite>-<arch>-<key>``, after making sure the
engine has it. ``--platform linux/arm64`` on an amd64 machine builds the arm64 root under QEMU
user emulation (Debian's ``qemu-user-static``, registered with the F flag so that it also works in
debootstrap's chroot and inside containers) and imports it as a ``linux/arm64`` image. The app
Dockerfile takes the base through its ``NODE_IMAGE`` build argument; the public default
(``node:26-alpine``) stays what a user with internet access builds on.

How: ``debootstrap --variant=minbase --include=nodejs`` into a temporary root file system (from
the Debian mirror this machine's apt uses), trimmed (apt lists and caches, documentation, man
pages), with a ``node`` user uid/gid 1000 as in the official node images, packed into a tarball
and loaded with ``docker load`` as a one-layer image whose config names the architecture.

Cache: the tarball is kept in ``${OCIR_CACHE_DIR:-~/.cache/ocir}/node-base/`` and named by a hash
of the recipe (suite, architecture, variant, packages, script version), so a changed recipe never picks up a
stale tarball; the image tag carries the same hash. A second run reuses the tarball and, when the
engine already has the image, does nothing at all. A file lock keeps concurrent runs (parallel
test sessions, CI jobs on one machine) from building or importing the same thing twice.

Debian bookworm's nodejs is 18.x: app/package.json's ``engines.node`` admits what is tested here.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import gzip
import hashlib
import json
import os
import platform as host_platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.docker_cli import docker, image_exists

# Bump when the way the root file system is made or trimmed changes: it is part of the cache key.
SCRIPT_VERSION = 1
REPOSITORY = "ocir-local/node-base"
# The mirror this machine's apt sources use (/etc/apt/sources.list.d/debian.sources); not part of
# the key, since any Debian mirror serves the same packages for a suite.
DEFAULT_MIRROR = "http://deb.debian.org/debian"
NODE_UID = 1000
# Debian architecture names of the platforms the bases are built for (`linux/<arch>`).
ARCHITECTURES = ("amd64", "arm64")
_MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def native_arch() -> str:
    """This machine's Debian architecture (amd64 or arm64): what debootstrap builds without emulation."""
    machine = host_platform.machine().lower()
    if machine not in _MACHINES:
        raise RuntimeError(f"no Node.js base recipe for this machine's architecture {machine!r}")
    return _MACHINES[machine]


def arch_of_platform(platform: str) -> str:
    """``linux/arm64`` -> ``arm64`` (the Debian name debootstrap takes)."""
    os_name, _, rest = platform.partition("/")
    arch = rest.split("/")[0]
    if os_name != "linux" or arch not in ARCHITECTURES:
        raise ValueError(f"no Node.js base for platform {platform!r}: linux/{' or linux/'.join(ARCHITECTURES)}")
    return arch


# Removed from the root file system before it is packed: nothing a runtime image needs.
TRIM = (
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/cache/debconf/templates.dat-old",
    "var/log",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/lintian",
    "usr/share/linda",
)


@dataclass(frozen=True)
class Recipe:
    """What goes into the base image; everything here is part of the cache key."""

    suite: str = "bookworm"
    arch: str = field(default_factory=native_arch)
    """Debian architecture; one other than this machine's is built under QEMU user emulation."""
    variant: str = "minbase"
    packages: tuple[str, ...] = field(default=("nodejs",))
    script_version: int = SCRIPT_VERSION

    @property
    def key(self) -> str:
        """A short hash of the recipe: a different recipe, a different tarball and image tag."""
        canonical = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:10]

    @property
    def tarball_name(self) -> str:
        return f"{self.suite}-{self.arch}-{self.key}.tar.gz"

    @property
    def platform(self) -> str:
        return f"linux/{self.arch}"

    @property
    def tag(self) -> str:
        return f"{self.suite}-{self.arch}-{self.key}"

    @property
    def image(self) -> str:
        return f"{REPOSITORY}:{self.tag}"


DEFAULT_RECIPE = Recipe()


def recipe_for(platform: str) -> Recipe:
    """The default recipe for ``linux/<arch>``."""
    return dataclasses.replace(DEFAULT_RECIPE, arch=arch_of_platform(platform))


def emulation_problem(arch: str) -> str | None:
    """Why this machine cannot run ``arch`` binaries (None when it is native or emulated).

    A foreign architecture needs a binfmt_misc handler with the F flag (the interpreter is opened
    when it is registered, so it also runs inside containers and debootstrap's chroot).
    """
    if arch == native_arch():
        return None
    handler = Path("/proc/sys/fs/binfmt_misc") / f"qemu-{_QEMU.get(arch, arch)}"
    if not handler.exists():
        return (
            f"no binfmt_misc handler for {arch} ({handler} is missing): apt-get install qemu-user-static "
            "binfmt-support, and mount binfmt_misc (.ci/run does both)"
        )
    text = handler.read_text()
    if not text.startswith("enabled"):
        return f"the binfmt_misc handler {handler} is disabled (update-binfmts --enable qemu-{_QEMU.get(arch, arch)})"
    flags = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("flags:")), "")
    if "F" not in flags:
        return f"the binfmt_misc handler {handler} lacks the F flag (flags {flags!r}): containers could not use it"
    return None


# QEMU's names for Debian's architectures.
_QEMU = {"arm64": "aarch64", "amd64": "x86_64"}


def cache_dir() -> Path:
    """``${OCIR_CACHE_DIR:-~/.cache/ocir}``."""
    return Path(os.environ.get("OCIR_CACHE_DIR") or Path.home() / ".cache" / "ocir").expanduser()


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_debootstrap(recipe: Recipe, root: Path, mirror: str) -> None:
    """Install the recipe's minimal Debian with its packages into ``root`` (needs root and the network)."""
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise RuntimeError("debootstrap must run as root to build the Node.js base image")
    problem = emulation_problem(recipe.arch)
    if problem:
        raise RuntimeError(f"cannot build the {recipe.arch} root: {problem}")
    command = [
        "debootstrap",
        f"--arch={recipe.arch}",
        f"--variant={recipe.variant}",
        f"--include={','.join(recipe.packages)}",
        recipe.suite,
        str(root),
        mirror,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log = root / "debootstrap" / "debootstrap.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else result.stderr[-2000:]
        raise RuntimeError(f"`{' '.join(command)}` exited {result.returncode}:\n{detail}")


def trim_and_add_user(root: Path) -> None:
    """Remove what a runtime image does not need; add ``node`` (uid/gid 1000) unless uid 1000 exists."""
    for relative in TRIM:
        path = root / relative
        if path.is_dir():
            for child in path.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        elif path.exists():
            path.unlink()
    # apt expects its lists/partial directory.
    (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)

    passwd = root / "etc/passwd"
    if not any(line.split(":")[2:3] == [str(NODE_UID)] for line in passwd.read_text().splitlines()):
        # Written directly rather than with useradd in a chroot: minbase need not have it.
        with passwd.open("a") as file:
            file.write(f"node:x:{NODE_UID}:{NODE_UID}::/home/node:/bin/sh\n")
        with (root / "etc/group").open("a") as file:
            file.write(f"node:x:{NODE_UID}:\n")
        shadow = root / "etc/shadow"
        if shadow.exists():
            with shadow.open("a") as file:
                file.write("node:*:19000:0:99999:7:::\n")
        home = root / "home/node"
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, NODE_UID, NODE_UID)


def build_tarball(recipe: Recipe, destination: Path, mirror: str = DEFAULT_MIRROR) -> None:
    """debootstrap, trim and pack the root file system into ``destination`` (written atomically)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ocir-node-base-", dir=destination.parent) as work:
        root = Path(work) / "root"
        run_debootstrap(recipe, root, mirror)
        trim_and_add_user(root)
        partial = Path(work) / destination.name
        # /dev, /proc and /sys are the engine's to provide; numeric owners keep uid 1000 as is.
        subprocess.run(
            [
                "tar",
                "--numeric-owner",
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "--exclude=./debootstrap",
                "-C",
                str(root),
                "-czf",
                str(partial),
                ".",
            ],
            check=True,
        )
        os.replace(partial, destination)


def ensure_tarball(recipe: Recipe = DEFAULT_RECIPE, cache: Path | None = None, mirror: str = DEFAULT_MIRROR) -> Path:
    """The recipe's cached root file system tarball, built first when the cache has none."""
    directory = (cache or cache_dir()) / "node-base"
    tarball = directory / recipe.tarball_name
    with _locked(directory):
        if not tarball.exists():
            emulated = " under emulation" if recipe.arch != native_arch() else ""
            print(f"node_base: building {tarball.name} with debootstrap{emulated} (a few minutes)", file=sys.stderr)
            build_tarball(recipe, tarball, mirror)
    return tarball


def image_archive(tarball: Path, ref: str, recipe: Recipe, destination: Path) -> None:
    """Write ``docker load``'s archive format for the root file system ``tarball`` as one layer.

    Not ``docker import``: Debian's engine (20.10) records its own architecture in an imported image
    whatever ``--platform`` says, and ``docker build --platform linux/arm64`` then refuses the base.
    The image config written here says the recipe's architecture.
    """
    work = destination.parent
    layer = work / "layer.tar"
    digest = hashlib.sha256()
    with gzip.open(tarball, "rb") as source, layer.open("wb") as target:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            target.write(chunk)
    diff_id = f"sha256:{digest.hexdigest()}"
    created = "2023-06-10T00:00:00Z"  # fixed: the same recipe gives the same image id
    config = {
        "architecture": recipe.arch,
        "os": "linux",
        "created": created,
        "config": {
            "Cmd": ["node"],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Labels": {"org.opencontainers.image.description": f"node-base-{recipe.tag}"},
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "comment": f"ocir node base {recipe.tag}"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    (work / config_name).write_bytes(config_bytes)
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": ["layer.tar"]}]
    (work / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(destination, "w") as archive:
        for name in ("manifest.json", config_name, "layer.tar"):
            archive.add(work / name, arcname=name)


def docker_import(tarball: Path, ref: str, recipe: Recipe, host: str | None = None) -> None:
    """Load the root file system into the engine as ``ref``, an image of the recipe's platform."""
    with tempfile.TemporaryDirectory(prefix="ocir-node-base-load-") as work:
        archive = Path(work) / "image.tar"
        image_archive(tarball, ref, recipe, archive)
        docker("load", "--input", str(archive), host=host)


def ensure_image(
    host: str | None = None,
    recipe: Recipe = DEFAULT_RECIPE,
    cache: Path | None = None,
    repository: str = REPOSITORY,
    mirror: str = DEFAULT_MIRROR,
) -> str:
    """The base image reference, after importing it into the engine at ``host`` if it lacks it."""
    ref = f"{repository}:{recipe.tag}"
    if image_exists(ref, host):
        return ref
    tarball = ensure_tarball(recipe, cache, mirror)
    with _locked(tarball.parent):
        if not image_exists(ref, host):
            docker_import(tarball, ref, recipe, host)
    return ref


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST"), help="engine (default: DOCKER_HOST)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: ${OCIR_CACHE_DIR:-~/.cache/ocir}")
    parser.add_argument("--mirror", default=DEFAULT_MIRROR, help=f"Debian mirror (default: {DEFAULT_MIRROR})")
    parser.add_argument("--platform", default=None, help="linux/amd64 or linux/arm64 (default: this machine's)")
    parser.add_argument("--tarball-only", action="store_true", help="build or find the cached tarball; no engine")
    args = parser.parse_args(argv)
    recipe = recipe_for(args.platform) if args.platform else DEFAULT_RECIPE
    if args.tarball_only:
        print(ensure_tarball(recipe, args.cache_dir, args.mirror))
        return 0
    print(ensure_image(args.docker_host, recipe=recipe, cache=args.cache_dir, mirror=args.mirror))
    return 0


if __name__ == "__main__":
    sys.exit(main())
