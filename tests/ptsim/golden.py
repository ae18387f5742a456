#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run ptsim on a scenario and compare its output with the golden file beside it.

    golden.py PTSIM SCENARIO.pt [--update]

The golden file is SCENARIO.out. The scenario must exit 0 with nothing on
standard error (its expectations hold); standard output must equal the
golden file, or the test fails and prints a unified diff. With --update, or
PTSIM_GOLDEN_UPDATE=1 in the environment, the golden file is rewritten
instead (scripts/ptsim-golden --update does that for every example).
PTSIM_WRAPPER, if set, prefixes the ptsim command (valgrind in CI).
"""
import difflib
import os
import shlex
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv[1:] or os.environ.get("PTSIM_GOLDEN_UPDATE") == "1"
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ptsim, scenario = args
    golden = os.path.splitext(scenario)[0] + ".out"
    wrapper = shlex.split(os.environ.get("PTSIM_WRAPPER", ""))
    run = subprocess.run(wrapper + [ptsim, scenario], capture_output=True, text=True)
    if run.returncode != 0 or run.stderr:
        print(f"{scenario}: exit {run.returncode}, expected 0 with no messages:")
        print(run.stderr, end="")
        return 1
    if update:
        with open(golden, "w") as f:
            f.write(run.stdout)
        print(f"{golden}: rewritten")
        return 0
    try:
        with open(golden) as f:
            want = f.read()
    except OSError as e:
        print(f"{golden}: {e.strerror} (create it with scripts/ptsim-golden --update)")
        return 1
    if run.stdout == want:
        print(f"{scenario}: output matches {golden}")
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        want.splitlines(keepends=True), run.stdout.splitlines(keepends=True),
        fromfile=golden, tofile=f"ptsim {scenario}"))
    print(f"\n{scenario}: output differs from {golden}; if the change is intended, "
          "run scripts/ptsim-golden --update")
    return 1


if __name__ == "__main__":
    sys.exit(main())
