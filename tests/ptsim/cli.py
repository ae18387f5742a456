#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ptsim's command line: each case runs ptsim and checks its exit status and
the exact text of its messages.

    cli.py PTSIM VERSION MANUAL

PTSIM_WRAPPER, if set, prefixes every ptsim command (e.g. "valgrind -q
--error-exitcode=99 --leak-check=full"): a memory error then shows as a
wrong exit status.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

NUM = "expected decimal or 0x hex, with an optional K, M, G or T suffix"
PROPS = "expected letters from rwxugad-, then an optional ,wb|wt|wc|uc|uc-|wp"
MEGA_COMMENT = "#" + "a" * (1 << 20) + "\n"
STATS = "stats: 0 table frames, 0 data frames, peak 0 table frames\n"
HINT = "(if intended: expect"

# (name, scenario text or None, extra arguments, exit status, stderr, stdout or None)
CASES = [
    # Lines of any length: a 1 MiB comment is one line, whatever follows it.
    ("long comment line", MEGA_COMMENT + "stats\n", [], 0, "", STATS),
    ("error after a long line has its own line number", MEGA_COMMENT + "bogus\n", [], 2,
     "line 2: unknown command 'bogus' (see ptsim --help)\n", ""),
    ("long line then a missing table", MEGA_COMMENT + "map_range T 0 0 4K rw\n", [], 2,
     "line 2: map_range: argument 1 'T': no table of that name\n", ""),
    ("a long word is shown cut", "x" * 100000 + "\n", [], 2,
     "line 1: unknown command '" + "x" * 40 + "...' (see ptsim --help)\n", ""),
    # Each argument error names the argument and what was expected.
    ("bad number", "empty T\nmap_range T 0x1000 0x10g0 4K rw\n", [], 2,
     f"line 2: map_range: argument 3 '0x10g0': not a number ({NUM})\n", None),
    ("missing argument", "empty T\nmap_range T 0x1000 0x1000 4K\n", [], 2,
     "line 2: map_range: missing argument 5 PROPS (usage: map_range NAME VA PA LEN PROPS)\n",
     None),
    ("bad property, the issue's example", "empty T\n\n# comment\n\n\n\n"
     "map_range T 0x1000 0x1000 4K rwz\n", [], 2,
     f"line 7: map_range: argument 5 'rwz': unknown property 'z' ({PROPS})\n", None),
    ("bad cache mode", "empty T\nmap_range T 0x1000 0x1000 4K rw,xx\n", [], 2,
     f"line 2: map_range: argument 5 'rw,xx': unknown cache mode 'xx' ({PROPS})\n", None),
    ("extra arguments past eight words", "empty T\nmap_range T 0x1000 0x1000 4K rw a b c d\n",
     [], 2, "line 2: map_range: argument 6 'a': unexpected argument "
     "(usage: map_range NAME VA PA LEN PROPS)\n", None),
    ("extra argument to a short command", "stats now\n", [], 2,
     "line 1: stats: argument 1 'now': unexpected argument (usage: stats)\n", ""),
    ("negative number", "empty T\nmap_range T 0x1000 0x1000 -4096 rw\n", [], 2,
     f"line 2: map_range: argument 4 '-4096': negative numbers are not allowed ({NUM})\n", None),
    ("number past 64 bits", "empty T\nunmap T 0 99999999999999999999\n", [], 2,
     "line 2: unmap: argument 3 '99999999999999999999': does not fit in 64 bits\n", None),
    ("suffix past 64 bits", "empty T\nunmap T 0 0x1000000T\n", [], 2,
     "line 2: unmap: argument 3 '0x1000000T': does not fit in 64 bits\n", None),
    ("octal is not guessed", "empty T\nunmap T 0 0o10\n", [], 2,
     f"line 2: unmap: argument 3 '0o10': not a number ({NUM})\n", None),
    ("duplicate table name", "empty T\nempty T\n", [], 2,
     "line 2: empty: argument 1 'T': a table of that name exists (created on line 1)\n", None),
    ("table name too long", "empty " + "n" * 32 + "\n", [], 2,
     "line 1: empty: argument 1 '" + "n" * 32 + "': not a table name "
     "(expected at most 31 letters, digits, _ . -)\n", ""),
    ("ram too large, on its own line", "ram 2T\nempty T\n", [], 2,
     "line 1: ram: argument 1 '2T': cannot simulate that much RAM "
     "(expected a multiple of 2M from 2M to 1T)\n", ""),
    ("ram not a multiple of 2M", "ram 3M\n", [], 2,
     "line 1: ram: argument 1 '3M': cannot simulate that much RAM "
     "(expected a multiple of 2M from 2M to 1T)\n", ""),
    ("format after a table", "empty T\nformat riscv_sv39\n", [], 2,
     "line 2: format: must come before any table or machine\n", None),
    ("unknown format", "format arm64\n", [], 2,
     "line 1: format: argument 1 'arm64': expected x86_64_4|x86_64_5|riscv_sv39|riscv_sv48\n",
     ""),
    ("level out of range", "empty T\nmap T 0 0 5 rw\n", [], 2,
     "line 2: map: argument 4 '5': not a level (expected 1 to 4, or L1 to L4)\n", None),
    ("a word that must be one of a list", "empty T\nmap T 0 0 1 rw trakced\n", [], 2,
     "line 2: map: argument 6 'trakced': expected tracked\n", None),
    ("machine command without a machine", "kernel K\nboot K\n", [], 2,
     "line 2: boot: needs the simulated machine ('machine NCPUS' before any table)\n", None),
    ("no such CPU", "machine 2\ncpu 2\n", [], 2,
     "line 2: cpu: argument 1 '2': no such CPU (expected 0 to 1)\n", None),
    ("a CPU number that would wrap", "machine 2\ncpu 4294967297\n", [], 2,
     "line 2: cpu: argument 1 '4294967297': no such CPU (expected 0 to 1)\n", None),
    ("unknown expectation", "expect nothing\n", [], 2,
     "line 1: expect: argument 1 'nothing': expected "
     "error|fault|translate|stale|refs|frames|wx\n", ""),
    ("expectation wrapping another", "expect error mapped expect frames data 0\n", [], 2,
     "line 1: expect error: argument 2 'expect': an expectation cannot wrap another\n", ""),
    ("unknown error name", "expect error mappd stats\n", [], 2,
     "line 1: expect error: argument 1 'mappd': unknown error name "
     "(expected one of those ptsim --help lists)\n", ""),
    ("NUL byte", "stats\0\n", [], 2, "line 1: a NUL byte (expected a text file)\n", ""),
    # Exit 1: a command or an expectation failed; the run goes on.
    ("unexpected error", "empty T\ntranslate T 0x1000\nstats\n", [], 1,
     "line 2: translate: unexpected error not-mapped: nothing mapped there "
     f"{HINT} error not-mapped translate ...)\nptsim: 1 failure\n", None),
    ("expected error that did not happen", "empty T\n"
     "expect error mapped map_range T 0x1000 0 4K rw\n", [], 1,
     "line 2: expect error: map_range succeeded, expected error mapped\nptsim: 1 failure\n",
     None),
    ("failed translation and frame count", "empty T\nmap_range T 0x1000 0x1000 4K rw\n"
     "expect translate T 0x1abc 0x1abc L1 rwu\nexpect frames tables 9\n", [], 1,
     "line 3: expect translate: T 0x1abc -> 0x1abc L1 rw-,wb, expected 0x1abc L1 rw-u,wb\n"
     "line 4: expect frames: the count of tables frames is 4, expected 9\n"
     "ptsim: 2 failures\n", None),
    ("unexpected fault", "machine 1\nkernel K\nboot K\nuser P K\nactivate P\n"
     "access 0 0x1000 r\n", [], 1,
     f"line 6: access: unexpected #PF, error code 0x4 {HINT} fault 0x4 access ...)\n"
     "ptsim: 1 failure\n", None),
    ("expected fault with the wrong code", "machine 1\nkernel K\nboot K\nuser P K\n"
     "activate P\nexpect fault 0x6 access 0 0x1000 r\nexpect stale 1\n", [], 1,
     "line 6: expect fault: access faulted with #PF error code 0x4, expected "
     "#PF error code 0x6\nline 7: expect stale: the count of stale TLB entries is 0, "
     "expected 1\nptsim: 2 failures\n", None),
    ("W+X found", "empty T\nmap_range T 0 0x1000 8K rwx\nmap_range T 0x3000 0 4K rw\n"
     "check_wx T\n", [], 1,
     "line 4: check_wx: 2 W+X pages in T (use 'expect wx T 2' if intended)\n"
     "ptsim: 1 failure\n", "empty T: success (root 0x1000)\nmap_range: success\n"
     "map_range: success\n  W+X 0x0000000000000000-0x0000000000002000       8K  L1 rwx sys"
     "              WB\ncheck_wx T: failed, 2 W+X pages found\n"),
    ("W+X none", "empty T\nmap_range T 0 0x1000 8K rw\ncheck_wx T\n", [], 0, "",
     "empty T: success (root 0x1000)\nmap_range: success\n"
     "check_wx T: passed, no W+X pages found\n"),
    # Exit 0, reading standard input.
    ("standard input", "stats\n", ["-"], 0, "", STATS),
    ("expected failures exit 0", "empty T\nexpect error not-mapped translate T 0\n"
     "expect wx T 0\n", [], 0, "", None),
]


WRAPPER = shlex.split(os.environ.get("PTSIM_WRAPPER", ""))


def run_case(ptsim, case, tmp):
    name, text, extra, status, stderr, stdout = case
    args, stdin = WRAPPER + [ptsim] + extra, None
    if text is not None and extra == ["-"]:
        stdin = text.encode()
    elif text is not None:
        path = os.path.join(tmp, "case.pt")
        with open(path, "wb") as f:
            f.write(text.encode())
        args.append(path)
    run = subprocess.run(args, input=stdin, capture_output=True)
    got_err = run.stderr.decode(errors="replace")
    problems = []
    if run.returncode != status:
        problems.append(f"exit {run.returncode}, expected {status}")
    if got_err != stderr:
        problems.append(f"stderr {got_err!r}\n      expected {stderr!r}")
    if stdout is not None and run.stdout.decode() != stdout:
        problems.append(f"stdout {run.stdout[:200]!r}, expected {stdout[:200]!r}")
    return problems


def check(results, name, problems):
    print(("FAIL " if problems else "ok   ") + name)
    for p in problems:
        print("      " + p)
    results.append(not problems)


def options_cases(ptsim, version, manual, tmp, results):
    run = subprocess.run(WRAPPER + [ptsim, "--help"], capture_output=True, text=True)
    problems = [] if run.returncode == 0 and not run.stderr else [f"exit {run.returncode}"]
    for word in ["Usage: ptsim [FILE | -]", "map_range NAME VA PA LEN PROPS",
                 "expect translate NAME VA PA|unmapped [LEVEL] [PROPS]", "Exit status:",
                 "  0  every command", "  1  a command or an expectation failed",
                 "  2  usage or input error"]:
        if word not in run.stdout:
            problems.append(f"--help lacks {word!r}")
    check(results, "--help on stdout: commands, arguments, exit status", problems)
    helptext = run.stdout
    run = subprocess.run(WRAPPER + [ptsim, "--version"], capture_output=True, text=True)
    want = f"ptsim (libpt) {version}\n"
    check(results, "--version", [] if (run.returncode, run.stdout, run.stderr) == (0, want, "")
          else [f"exit {run.returncode}, {run.stdout!r}, expected {want!r}"])
    for name, args, err in [
        ("directory as input", [tmp],
         f"ptsim: {tmp}: is a directory (expected a scenario file)\n"),
        ("missing file", [os.path.join(tmp, "none.pt")],
         f"ptsim: {os.path.join(tmp, 'none.pt')}: No such file or directory\n"),
        ("unknown option", ["--frobnicate"],
         "ptsim: unknown option '--frobnicate' (see ptsim --help)\n"),
        ("two scenario files", ["a.pt", "b.pt"],
         "ptsim: one scenario file at most ('b.pt' is a second) (see ptsim --help)\n"),
    ]:
        run = subprocess.run(WRAPPER + [ptsim] + args, capture_output=True, text=True)
        check(results, name, [] if (run.returncode, run.stderr, run.stdout) == (2, err, "")
              else [f"exit {run.returncode}, stderr {run.stderr!r}, expected {err!r}"])
    # dump --json: one line a dump, valid JSON, runs tiling the window.
    scenario = os.path.join(tmp, "json.pt")
    with open(scenario, "w") as f:
        f.write("kernel K\nuser P K\nmap_range P 0x3fdff000 0x3fdff000 0x40203000 rwu\n"
                "map_range K 0xffff800000000000 0 4M rwg\ndump --json P K\n")
    run = subprocess.run(WRAPPER + [ptsim, scenario], capture_output=True, text=True)
    problems = [] if run.returncode == 0 else [f"exit {run.returncode}"]
    dumps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    if [d["table"] for d in dumps] != ["P", "K"]:
        problems.append(f"dumps of {[d['table'] for d in dumps]}, expected P and K")
    for d in dumps:
        end = 0
        for r in d["runs"]:
            start = int(r["start"], 16)
            if start != end and not (end == 1 << 47 and start == 0xffff800000000000):
                problems.append(f"{d['table']}: run at {r['start']} after {hex(end)}")
            end = int(r["end"], 16)
            if int(r["size"], 16) != end - start:
                problems.append(f"{d['table']}: run {r} has the wrong size")
        if end != 1 << 64:
            problems.append(f"{d['table']}: runs end at {hex(end)}")
    p_runs = dumps[0]["runs"] if dumps else []
    if {"start": "0x40000000", "end": "0x80000000", "size": "0x40000000", "level": 3,
            "half": "user", "own": True, "mapped": True, "prop": "rw-u,wb",
            "tracked": False} not in p_runs:
        problems.append("P's 1 GiB leaf is missing")
    if not any(r["mapped"] and not r["own"] and r["prop"] == "rw-g,wb" for r in p_runs):
        problems.append("P's dump lacks the shared kernel mapping")
    check(results, "dump --json: valid, tiling, both halves", problems)
    # The manual documents every command the help lists.
    with open(manual) as f:
        man = f.read().replace("\\-", "-")
    missing = [line.split()[0] if not line.startswith("  expect ") else
               " ".join(line.split()[:2]) for line in helptext.splitlines()
               if line.startswith("  ") and line[2] != " " and line[2].islower()
               and not line.startswith("  ptsim")]
    missing = [c for c in missing if f"\\fB{c}\\fR" not in man]
    check(results, "the manual names every command", [f"ptsim.1 lacks {c}" for c in missing])


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    ptsim, version, manual = sys.argv[1:]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            check(results, case[0], run_case(ptsim, case, tmp))
        options_cases(ptsim, version, manual, tmp, results)
    print(f"{results.count(True)} of {len(results)} cases passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
