#!/usr/bin/env python3
"""Run PTBENCH --smoke --json (plus ARGS) and check the document's schema:
one key set for every row, the metadata, samples per repeat, the targets.
usage: check_json.py PTBENCH [ARGS...]"""
import json
import subprocess
import sys

META = {"commit", "compiler", "cflags", "buildtype", "date", "host_cores", "load_average",
        "free_cores", "size", "sweep", "repeats", "warmup", "cycles", "argv"}
TARGET = {"id", "what", "case", "measure", "cmp", "goal", "source", "size", "value",
          "tracked_value", "status"}


def fail(msg):
    print("check_json: " + msg)
    sys.exit(1)


def main():
    res = subprocess.run([sys.argv[1], "--smoke", "--json", "--repeats", "2"] + sys.argv[2:],
                         capture_output=True, text=True)
    if res.returncode:
        fail("ptbench exited %d: %s" % (res.returncode, res.stderr))
    doc = json.loads(res.stdout)
    if doc.get("schema") != "ptbench/1":
        fail("schema is %r" % doc.get("schema"))
    if not META <= set(doc["meta"]):
        fail("meta lacks %s" % sorted(META - set(doc["meta"])))
    rows = doc["rows"]
    keys = {tuple(r) for r in rows}
    if len(keys) != 1:
        fail("rows have %d key sets" % len(keys))
    kinds = {r["kind"] for r in rows}
    if kinds != {"bound", "libpt", "growth"}:
        fail("row kinds %s" % sorted(kinds))
    for r in rows:
        want = r["repeats"] if r["kind"] != "growth" else 1
        if len(r["samples"]) != want or len(r["thread_cpu_median_ns"]) != r["threads"]:
            fail("%s: %d samples for %d repeats" % (r["name"], len(r["samples"]), want))
        if any(len(s["cpu_ns"]) != r["threads"] for s in r["samples"]):
            fail("%s: a sample lacks a thread's CPU time" % r["name"])
        if r["kind"] == "libpt" and (r["bound"] is None or r["ratio_to_bound"] is None):
            fail("%s: no bound or ratio" % r["name"])
        if r["kind"] == "bound" and r["ratio_to_bound"] is not None:
            fail("%s: a bound with a ratio" % r["name"])
        if r["threads"] > 1 and r["kind"] == "libpt" and r["efficiency"] is None:
            fail("%s: no parallel efficiency" % r["name"])
        if not r["ok"]:
            fail("%s: %s" % (r["name"], r["error"]))
    page_unmap = [r for r in rows if r["name"] == "page_unmap_4k"]
    if not page_unmap or page_unmap[0]["bound"] != "bound_page_unmap_4k":
        fail("page_unmap_4k is not compared with the per-page bound")
    for t in doc["targets"]:
        if not TARGET <= set(t) or t["status"] not in ("met", "missed", "not_measured"):
            fail("bad target entry %s" % t)
    if not any(t["source"] == "callgrind" for t in doc["targets"]):
        fail("no instruction targets")
    print("ok: %d rows, %d targets" % (len(rows), len(doc["targets"])))


main()
