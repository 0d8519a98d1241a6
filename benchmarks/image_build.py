"""Image size and build times: the app's Dockerfile against the original recipe's, on the same base.

    DOCKER_HOST=unix:///tmp/ocir-engine/docker.sock venv/bin/python benchmarks/image_build.py [--runs 3]
    make bench-image        (starts the private engine of `make engine` first)

On the engine ``DOCKER_HOST`` names (the private one of tools/local-dockerd.sh; the machine's
default engine is never assumed) and on the offline Node.js base (tools/node_base.py), for

  app     app/Dockerfile, with NODE_IMAGE set to the base
  recipe  the original recipe's Dockerfile: FROM <base> / ADD app.js . / CMD ["node","app.js"]

each run measures:

  size               the image's size in bytes (`docker image inspect .Size`, base included)
  cold build         `docker build --no-cache`, after removing every image this benchmark built (with their
                     intermediate images, the classic builder's cache) and pruning the build cache; only
                     the base stays
  no-change rebuild  the same build again, nothing changed
  app.js rebuild     after appending a comment to app.js only; which steps were rebuilt and which
                     came from the cache (the classic builder's ` ---> Using cache` lines)
  empty-engine build (app only) the base image removed too, then imported again from the offline
                     cache (tools/node_base.py) and the app built: what a fresh CI runner or
                     laptop pays, where the import stands in for pulling the base from a registry

and then, for the multi-platform image (`platforms: [linux/amd64, linux/arm64]`):

  per-platform build the app's cold build for linux/amd64 (native here) and linux/arm64 (under QEMU user
                     emulation, on the arm64 offline base), each `--no-cache`
  push               each platform's image pushed to a local registry (Debian's docker-registry, on
                     loopback, htpasswd login): the first push carries the base layers
  index              `docker manifest create` + `docker manifest push` of the index over the two
                     pushed digests: what the stack's Index does after the builds
  node in the image  `docker run --rm --platform <p> <image> node -e <one line>`: what executing code
                     in that platform's image costs here (the app's Dockerfile runs nothing at build
                     time, so its build does not show emulation; a RUN step would pay this rate)

The 10% target is reported against both cold figures, each labelled: with the base present the
build is about one second of which the classic builder's per-build floor (context upload and the
cache look-up of every step) is a large part, so the ratio there is mostly that floor.

Builds use the classic builder (DOCKER_BUILDKIT=0), as the integration tests do. The app is
copied to a temporary directory first: the repository is never modified. Figures only, no
assertions: wall times on a shared machine vary, which is why it reports every run and the median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.integration.registry_server import serve_registry  # noqa: E402
from tools import node_base  # noqa: E402 (after the path set-up, to run as a script)
from tools.docker_cli import docker, engine_answers  # noqa: E402

PLATFORMS = ("linux/amd64", "linux/arm64")

RECIPE_DOCKERFILE = """\
FROM {base}
ADD app.js .
CMD ["node","app.js"]
"""
REPOSITORY = "ocir-bench"
COLD = (
    "cold = `docker build --no-cache` after removing every image this benchmark built and their intermediate "
    "images (the classic builder's cache) and `docker builder prune -af`; the base image stays in the engine"
)


@dataclass
class Step:
    number: int
    instruction: str
    cached: bool


@dataclass
class Build:
    seconds: float
    steps: list[Step]

    @property
    def rebuilt(self) -> list[Step]:
        return [step for step in self.steps if not step.cached]

    @property
    def cached(self) -> list[Step]:
        return [step for step in self.steps if step.cached]


@dataclass
class Run:
    size: int
    cold: Build
    unchanged: Build
    changed: Build
    empty_engine: float | None = None
    """Seconds to import the base from the offline cache and build (app only); None when the base
    could not be removed (another image on the engine uses it)."""


@dataclass
class Variant:
    name: str
    context: Path
    build_args: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    built: set[str] = field(default_factory=set)
    """Every image id built: an earlier build whose tag moved on stays as the builder's cache."""

    @property
    def tag(self) -> str:
        return f"{REPOSITORY}/{self.name}:bench"


def parse_steps(output: str) -> list[Step]:
    """The classic builder's steps after FROM (and the ARGs before it), each cached or rebuilt."""
    steps: list[Step] = []
    for line in output.splitlines():
        if line.startswith("Step "):
            number, _, instruction = line[len("Step ") :].partition(" : ")
            steps.append(Step(int(number.split("/")[0]), instruction.strip(), cached=False))
        elif line.strip() == "---> Using cache" and steps:
            steps[-1].cached = True
    first = next(index for index, step in enumerate(steps) if step.instruction.upper().startswith("FROM "))
    return steps[first + 1 :]


def build(variant: Variant, host: str, *, no_cache: bool = False) -> Build:
    args = ["build", "--tag", variant.tag, *(["--no-cache"] if no_cache else [])]
    for key, value in variant.build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    started = time.perf_counter()
    result = docker(*args, str(variant.context), host=host, env={"DOCKER_BUILDKIT": "0"})
    variant.built.add(docker("image", "inspect", "--format", "{{.Id}}", variant.tag, host=host).stdout.strip())
    return Build(time.perf_counter() - started, parse_steps(result.stdout))


def make_cold(variants: list[Variant], host: str) -> None:
    for variant in variants:
        # rmi also deletes the untagged intermediate images the classic builder's cache is made of;
        # the images whose tag moved on to a later build are part of that cache too.
        docker("image", "rm", "--force", variant.tag, *variant.built, host=host, check=False)
        variant.built.clear()
    docker("builder", "prune", "--all", "--force", host=host, check=False)


def measure(variants: list[Variant], host: str, base: str) -> None:
    make_cold(variants, host)
    for variant in variants:
        # --no-cache as well: any other image on the engine with the same base and steps would
        # otherwise serve as cache.
        cold = build(variant, host, no_cache=True)
        size = int(docker("image", "inspect", "--format", "{{.Size}}", variant.tag, host=host).stdout)
        unchanged = build(variant, host)
        app_js = variant.context / "app.js"
        app_js.write_text(app_js.read_text() + f"// benchmark change {time.time_ns()}\n")
        changed = build(variant, host)
        variant.runs.append(Run(size, cold, unchanged, changed))
    app = variants[0]
    make_cold(variants, host)
    docker("image", "rm", base, host=host, check=False)
    if docker("image", "inspect", base, host=host, check=False).returncode == 0:
        return
    started = time.perf_counter()
    node_base.ensure_image(host)
    build(app, host, no_cache=True)
    app.runs[-1].empty_engine = time.perf_counter() - started


def describe(steps: list[Step]) -> str:
    return ", ".join(step.instruction.split()[0] for step in steps) or "none"


def report(variant: Variant) -> bool:
    """Print the variant's figures; True when every run's app.js rebuild rebuilt only the last steps."""
    colds = [run.cold.seconds for run in variant.runs]
    unchanged = [run.unchanged.seconds for run in variant.runs]
    changed = [run.changed.seconds for run in variant.runs]
    cold_median = statistics.median(colds)
    print(f"\n{variant.name}: {variant.tag}")
    print(f"  size                 {variant.runs[-1].size} bytes ({variant.runs[-1].size / 1e6:.1f} MB)")
    print(f"  cold build           median {cold_median:.2f} s   runs {', '.join(f'{s:.2f}' for s in colds)}")
    for label, times in (("no-change rebuild", unchanged), ("app.js rebuild", changed)):
        median = statistics.median(times)
        print(
            f"  {label:<20} median {median:.2f} s = {100 * median / cold_median:.1f}% of cold   "
            f"runs {', '.join(f'{s:.2f}' for s in times)}"
        )
    empties = [run.empty_engine for run in variant.runs if run.empty_engine is not None]
    if empties:
        empty_median = statistics.median(empties)
        print(
            f"  empty-engine build   median {empty_median:.2f} s (base import + build)   "
            f"runs {', '.join(f'{s:.2f}' for s in empties)}; "
            f"no-change rebuild = {100 * statistics.median(unchanged) / empty_median:.1f}% of it"
        )
    last = variant.runs[-1]
    print(f"  no-change rebuild    {len(last.unchanged.cached)}/{len(last.unchanged.steps)} steps from the cache")
    print(
        f"  app.js rebuild       {len(last.changed.rebuilt)} of {len(last.changed.steps)} steps rebuilt "
        f"({describe(last.changed.rebuilt)}), {len(last.changed.cached)} cached ({describe(last.changed.cached)})"
    )
    only_last = True
    for run in variant.runs:
        flags = [step.cached for step in run.changed.steps]
        # Only the last layers: every cached step comes before every rebuilt one, and the first
        # rebuilt step is the one that adds app.js.
        first_rebuilt = flags.index(False) if False in flags else len(flags)
        only_last &= all(flags[:first_rebuilt]) and not any(flags[first_rebuilt:])
        only_last &= first_rebuilt < len(flags) and "app.js" in run.changed.steps[first_rebuilt].instruction
    return only_last


@dataclass
class MultiRun:
    builds: dict[str, float]
    pushes: dict[str, float]
    index: float
    node: dict[str, float]


def timed(*args: str, host: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = docker(*args, host=host, env=env)
    return time.perf_counter() - started, result.stdout


def measure_multi(host: str, context: Path, runs: int) -> list[MultiRun]:
    """Cold per-platform builds, pushes and the index over them, on a fresh local registry each run."""
    import bcrypt  # the dev requirements' (make bench-image installs them)

    bases = {platform: node_base.ensure_image(host, recipe=node_base.recipe_for(platform)) for platform in PLATFORMS}
    results = []
    for number in range(runs):
        print(f"multi-platform run {number + 1}/{runs} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="ocir-bench-registry-") as work:
            directory = Path(work)
            password = os.urandom(12).hex()
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
            (directory / "htpasswd").write_text(f"bench:{hashed}\n")
            auth = f"auth:\n  htpasswd:\n    realm: bench\n    path: {directory / 'htpasswd'}\n"
            (directory / "docker-config").mkdir()
            env = {"DOCKER_BUILDKIT": "0", "DOCKER_CONFIG": str(directory / "docker-config")}
            with serve_registry(directory, auth) as registry:
                docker("login", "-u", "bench", "--password-stdin", registry, host=host, env=env, input_text=password)
                repository = f"{registry}/benchns/p-bench-app"
                builds, pushes, digests, built, node = {}, {}, {}, [], {}
                for platform in PLATFORMS:
                    tag = f"{repository}:1.0-{platform.replace('/', '-')}"
                    builds[platform], _ = timed(
                        "build", "--no-cache", "--platform", platform, "--build-arg", f"NODE_IMAGE={bases[platform]}",
                        "--tag", tag, str(context), host=host, env=env,
                    )  # fmt: skip
                    built.append(docker("image", "inspect", "--format", "{{.Id}}", tag, host=host).stdout.strip())
                    pushes[platform], output = timed("push", tag, host=host, env=env)
                    node[platform], _ = timed(
                        "run", "--rm", "--platform", platform, "--network", "host", tag,
                        "node", "-e", "console.log(require('os').arch())", host=host, env=env,
                    )  # fmt: skip
                    digests[platform] = next(w for w in output.split() if w.startswith("sha256:"))
                started = time.perf_counter()
                sources = [f"{repository}@{digests[platform]}" for platform in PLATFORMS]
                docker("manifest", "create", "--insecure", f"{repository}:1.0", *sources, host=host, env=env)
                docker("manifest", "push", "--insecure", "--purge", f"{repository}:1.0", host=host, env=env)
                index = time.perf_counter() - started
                docker("image", "rm", "--force", *built, host=host, check=False)
            results.append(MultiRun(builds, pushes, index, node))
    return results


def report_multi(runs: list[MultiRun]) -> None:
    def line(label: str, times: list[float]) -> str:
        return f"  {label:<30} median {statistics.median(times):.2f} s   runs {', '.join(f'{t:.2f}' for t in times)}"

    print("\nmulti-platform app image (linux/amd64 native, linux/arm64 under QEMU user emulation)")
    for platform in PLATFORMS:
        print(line(f"cold build {platform}", [run.builds[platform] for run in runs]))
    for platform in PLATFORMS:
        print(line(f"push {platform} (new registry)", [run.pushes[platform] for run in runs]))
    print(line("index create + push", [run.index for run in runs]))
    for platform in PLATFORMS:
        print(line(f"node in the image {platform}", [run.node[platform] for run in runs]))
    ratio = statistics.median(r.builds["linux/arm64"] for r in runs) / statistics.median(
        r.builds["linux/amd64"] for r in runs
    )
    print(f"  arm64 (emulated) / amd64 (native) cold build: {ratio:.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST"), help="engine (default: DOCKER_HOST)")
    parser.add_argument("--skip-multi-platform", action="store_true", help="no arm64 build, push or index")
    args = parser.parse_args(argv)
    host = args.docker_host
    if not host:
        print("DOCKER_HOST is not set: start the private engine with `make engine` (or use `make bench-image`)")
        return 2
    answers, detail = engine_answers(host)
    if not answers:
        print(f"the engine at {host} does not answer: {detail}")
        return 2
    base = node_base.ensure_image(host)
    # The floor under any rebuild: one docker CLI call that asks the engine something trivial.
    floor = []
    for _ in range(5):
        started = time.perf_counter()
        docker("image", "inspect", "--format", "{{.Id}}", base, host=host)
        floor.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory(prefix="ocir-bench-") as work:
        app = Path(work) / "app"
        shutil.copytree(PROJECT_DIR / "app", app)
        recipe = Path(work) / "recipe"
        recipe.mkdir()
        shutil.copy(PROJECT_DIR / "app" / "app.js", recipe / "app.js")
        (recipe / "Dockerfile").write_text(RECIPE_DOCKERFILE.format(base=base))
        variants = [Variant("app", app, {"NODE_IMAGE": base}), Variant("recipe", recipe, {})]

        print(f"engine {host} ({detail}), base {base}, classic builder, {args.runs} runs")
        print(COLD)
        for number in range(args.runs):
            print(f"run {number + 1}/{args.runs} ...", flush=True)
            measure(variants, host, base)
        make_cold(variants, host)
        multi: list[MultiRun] = []
        emulation = node_base.emulation_problem("arm64")
        if not args.skip_multi_platform and emulation is None:
            multi = measure_multi(host, app, args.runs)

    only_last = {variant.name: report(variant) for variant in variants}
    app_variant, recipe_variant = variants
    ratio = statistics.median(r.unchanged.seconds for r in app_variant.runs) / statistics.median(
        r.cold.seconds for r in app_variant.runs
    )
    app_size, recipe_size = app_variant.runs[-1].size, recipe_variant.runs[-1].size
    print(f"\nfloor: one trivial docker CLI call (image inspect) takes median {statistics.median(floor):.2f} s")
    print("\nsummary (app image)")
    print(f"  no-change rebuild <= 10% of cold, base present:  {'yes' if ratio <= 0.10 else 'NO'} ({100 * ratio:.1f}%)")
    empties = [run.empty_engine for run in app_variant.runs if run.empty_engine is not None]
    if empties:
        empty_ratio = statistics.median(r.unchanged.seconds for r in app_variant.runs) / statistics.median(empties)
        print(
            f"  no-change rebuild <= 10% of cold, empty engine:  {'yes' if empty_ratio <= 0.10 else 'NO'} "
            f"({100 * empty_ratio:.1f}%)"
        )
    else:
        print("  no-change rebuild vs empty engine:               not measured (another image uses the base)")
    print(f"  app.js change rebuilt only the last layers:      {'yes' if only_last['app'] else 'NO'} (every run)")
    print(
        f"  app size <= recipe size on the same base:        {'yes' if app_size <= recipe_size else 'NO'} "
        f"({app_size} vs {recipe_size} bytes, {app_size - recipe_size:+d})"
    )
    if multi:
        report_multi(multi)
    elif not args.skip_multi_platform:
        print(f"\nmulti-platform: not measured ({emulation})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
