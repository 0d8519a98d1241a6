"""What does the isolation preflight cost, in a tenancy with a thousand policies?

    venv/bin/python benchmarks/isolation.py [--runs 7] [--stack dev] [--max-share 0.10]

Target: the preflight (ocir:isolationCheck) costs under 10% of the stack's evaluation time, for a tenancy of
1,000 policies in 200 compartments and 500 repositories.

The stack's evaluation is what a preview pays for running the program: a fresh Python process that imports the
SDKs and evaluates the stack under mocks (as benchmarks/eval_vs_import.py measures it), here with the check off
(ocir:isolationCheck: false). The preflight's cost is the time spent in it (stackconfig.preflight.check_isolation,
timed inside the process) when the check is on against that tenancy: the root and 199 compartments below it, 5
policies each, 3 statements each of the kinds real tenancies hold (another project's grant, an administrators'
grant, a dynamic group's pull grant), and 500 repositories of 100 other
projects; none inside the stack's prefix, so all of it is read and nothing refused. Each run starts one process of
each kind, alternating; the script prints the medians of wall and CPU time, the share, the lookups the program
made and the API calls (pages) the provider would make for them, and exits 1 when the CPU-time share is over
--max-share.

Under mocks an invoke is an in-process call: against OCI each lookup is also a round trip, and the program makes
its policies lookups up to 8 compartments at a time. To show the order of that cost the script then evaluates the
stack once more with a stand-in round trip of --latency seconds per API call (an assumption, not a measurement of
OCI). What a real tenancy's round trips cost, only a real tenancy shows.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
COMPARTMENTS = 200
POLICIES_PER_COMPARTMENT = 5
REPOSITORIES = 500
PROJECTS = 100

EVALUATE = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, "benchmarks")
from isolation import big_tenancy
import stackconfig.preflight as preflight
from tools.engine.mocks import OcirMocks
from tools.harness import run_program
from tools.stackfiles import load_stack_config

stack, check = sys.argv[1], sys.argv[2]
config = load_stack_config(stack)
values = {**config.values, config.key("isolationCheck"): check}
tenancy = big_tenancy(values[config.key("tenancyOcid")]) if check == "true" else None
spent = {"wall": 0.0, "cpu": 0.0}
checked = preflight.check_isolation

def timed_check(settings):
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        checked(settings)
    finally:
        spent["wall"] += time.perf_counter() - started
        spent["cpu"] += time.process_time() - started_cpu

preflight.check_isolation = timed_check
# The stand-in engine and provider answering each invoke (in a real engine: the engine's and the provider's own
# processes), as CPU time of the thread the SDK sends the invoke from.
from tools.engine.monitor import RecordingMonitor
answered = {"cpu": 0.0}
invoke = RecordingMonitor.Invoke

def timed_invoke(self, request):
    started = time.thread_time()
    try:
        return invoke(self, request)
    finally:
        answered["cpu"] += time.thread_time() - started

RecordingMonitor.Invoke = timed_invoke
mocks = OcirMocks(tenancy=tenancy)
run = run_program(values, stack=stack, mocks=mocks)
assert run.error is None, run.error
invokes = {}
for invoke in run.invokes:
    invokes[invoke.token] = invokes.get(invoke.token, 0) + 1
print(json.dumps({"preflight": spent, "answered": answered, "resources": len(run.resources), "invokes": invokes,
                  "calls": dict(mocks.tenancy.calls), "inside": {"wall": time.perf_counter() - wall,
                  "cpu": time.process_time() - cpu}}))
"""


def big_tenancy(tenancy_ocid: str) -> object:
    """1,000 policies in 200 compartments (the root and 199 below it) and 500 repositories, none of them the
    stack's and none inside its prefix (the prefix of the example stacks, p-oraas-*, is no p-team*)."""
    from tools.engine.tenancy import Tenancy

    compartments = [
        {"id": f"ocid1.compartment.oc1..aaaaaaaabench{index:04d}", "name": f"team-{index}",
         "compartmentId": tenancy_ocid, "state": "ACTIVE"}
        for index in range(COMPARTMENTS - 1)
    ]  # fmt: skip
    policies: dict[str, list[dict[str, object]]] = {}
    for index, compartment in enumerate([tenancy_ocid, *(c["id"] for c in compartments)]):
        grant = f"target.repo.name = /p-team{index}-*/"
        policies[str(compartment)] = [
            {
                "id": f"ocid1.policy.oc1..aaaaaaaabench{index:04d}{number}",
                "name": f"p-team{index}-{number}-policy",
                "statements": [
                    f"allow group team{index}-devs to manage repos in tenancy where {grant}",
                    f"allow group team{index}-admins to manage all-resources in compartment team-{index}",
                    f"allow dynamic-group team{index}-nodes to read repos in tenancy where {grant}",
                ],
                "freeformTags": {"managed-by": "pulumi", "pulumi-stack": f"team{index}/prod"},
                "state": "ACTIVE",
            }
            for number in range(POLICIES_PER_COMPARTMENT)
        ]
    repositories = {
        f"ocid1.containerrepo.oc1..aaaaaaaabench{index:04d}": {
            "displayName": f"p-team{index % PROJECTS}-image{index}",
            "compartmentId": compartments[index % len(compartments)]["id"],
            "isPublic": False,
            "isImmutable": True,
            "freeformTags": {"managed-by": "pulumi", "pulumi-stack": f"team{index % PROJECTS}/prod"},
        }
        for index in range(REPOSITORIES)
    }
    return Tenancy(root=tenancy_ocid, compartments=compartments, policies=policies, repositories=repositories)


LATENCY = """
import json, sys, time
sys.path.insert(0, "benchmarks")
from isolation import big_tenancy
from tools.engine.mocks import OcirMocks
from tools.harness import run_program
from tools.stackfiles import load_stack_config

stack, latency = sys.argv[1], float(sys.argv[2])
report = {}
for check in ("false", "true"):
    config = load_stack_config(stack)
    values = {**config.values, config.key("isolationCheck"): check}
    tenancy = big_tenancy(values[config.key("tenancyOcid")])
    tenancy.latency = latency
    started = time.perf_counter()
    run_program(values, stack=stack, mocks=OcirMocks(tenancy=tenancy))
    report[check] = time.perf_counter() - started
print(json.dumps(report))
"""


def timed(stack: str, check: str) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, CPU seconds (user + system) and the report of a fresh process evaluating ``stack``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", EVALUATE, stack, check], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--max-share", type=float, default=0.10)
    parser.add_argument("--latency", type=float, default=0.02, help="stand-in seconds per API call (0: skip)")
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT_DIR))
    from stackconfig.preflight import POLICY_LOOKUPS_AT_ONCE

    print(
        f"Target: the isolation preflight costs under {args.max_share:.0%} of the stack's evaluation time "
        f"(tenancy: {COMPARTMENTS * POLICIES_PER_COMPARTMENT:,} policies in {COMPARTMENTS} compartments, "
        f"{REPOSITORIES} repositories)"
    )
    timed(args.stack, "true")  # warm the disk cache and the .pyc files
    off: list[tuple[float, float]] = []
    on: list[tuple[float, float]] = []
    spent: list[tuple[float, float]] = []
    answered: list[float] = []
    report: dict[str, object] = {}
    for _ in range(args.runs):
        wall, cpu, _ = timed(args.stack, "false")
        off.append((wall, cpu))
        wall, cpu, report = timed(args.stack, "true")
        on.append((wall, cpu))
        preflight = report["preflight"]
        assert isinstance(preflight, dict)
        spent.append((preflight["wall"], preflight["cpu"]))
        answers = report["answered"]
        assert isinstance(answers, dict)
        answered.append(answers["cpu"])

    def median(samples: list[tuple[float, float]], index: int) -> float:
        return statistics.median(sample[index] for sample in samples)

    print(
        f"stack {args.stack}: {report['resources']} resources declared; {args.runs} fresh processes of each, "
        "alternating; medians"
    )
    print(f"  {'':46} {'wall s':>8} {'cpu s':>8}")
    print(f"  {'evaluate the stack, isolationCheck false':46} {median(off, 0):8.3f} {median(off, 1):8.3f}")
    print(f"  {'evaluate the stack, the check on that tenancy':46} {median(on, 0):8.3f} {median(on, 1):8.3f}")
    print(f"  {'  of which the preflight (timed inside)':46} {median(spent, 0):8.3f} {median(spent, 1):8.3f}")
    wall_share, cpu_share = median(spent, 0) / median(off, 0), median(spent, 1) / median(off, 1)
    print(f"  {'preflight / evaluation':46} {wall_share:8.1%} {cpu_share:8.1%}   (target under {args.max_share:.0%})")
    stand_in = statistics.median(answered)
    print(f"  {'    of which the stand-in engine':46} {'':8} {stand_in:8.3f}   (a real engine's own processes)")
    program_share = (median(spent, 1) - stand_in) / median(off, 1)
    print(f"  {'the program side / evaluation':46} {'':8} {program_share:8.1%}")
    difference = median(on, 1) - median(off, 1)
    print(f"  {'(difference of the two processes, cpu)':46} {'':8} {difference:8.3f}")

    def names(counts: object) -> str:
        assert isinstance(counts, dict)
        return ", ".join(f"{token.rsplit(':', 1)[1]} x{count}" for token, count in sorted(counts.items()))

    invokes = report["invokes"]
    assert isinstance(invokes, dict)
    lookups = {token: count for token, count in invokes.items() if token in report["calls"]}  # type: ignore[operator]
    print(f"  lookups (invokes): {names(lookups)}")
    print(f"  the provider's API calls for them (pages of 100 items): {names(report['calls'])}")
    within = cpu_share < args.max_share
    print(f"  {'within' if within else 'OVER'} target (cpu share)")
    if args.latency:
        result = subprocess.run(
            [sys.executable, "-c", LATENCY, args.stack, str(args.latency)],
            cwd=PROJECT_DIR, capture_output=True, text=True, check=True,
        )  # fmt: skip
        walls = json.loads(result.stdout)
        calls = sum(report["calls"].values())  # type: ignore[attr-defined]
        print(
            f"  with a stand-in round trip of {args.latency * 1000:.0f} ms per API call ({calls} calls, the policies "
            f"of up to {POLICY_LOOKUPS_AT_ONCE} compartments at a time; one run, wall): the preflight adds "
            f"{walls['true'] - walls['false']:.2f} s"
        )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
