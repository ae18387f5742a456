#!/bin/sh
# The differential: the test kernel's outcome of every scenario (under QEMU,
# "-append diff") against sim/riscv_walk.c's (build/tests/sim/riscv_diff).
#   diff.sh RUN_QEMU KERNEL HOSTED LEVELS KNOWN
# Prints "N scenarios, M agree" and each difference with what the scenario
# varies. A difference passes only if a line of KNOWN (a file of
# "<extended regex over the scenario text>|<kernel outcome>|<reading>")
# explains it; KNOWN's reading is printed beside it.
set -u
run=$1 kernel=$2 hosted=$3 levels=$4 known=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

BM_SUMMARY='^[0-9]+ scenarios run$' sh "$run" "$kernel" -append diff >"$dir/log" || {
    cat "$dir/log"; echo "FAIL: the diff boot failed"; exit 1; }
grep '^D ' "$dir/log" | sort -k2,2n >"$dir/qemu"
"$hosted" print "$levels" | sort -k2,2n >"$dir/walker" || { echo "FAIL: hosted walker"; exit 1; }

awk -v known="$known" '
BEGIN {
    FS = "|"
    while ((getline line < known) > 0) {
        if (line ~ /^#/ || line == "") continue
        split(line, f, "|"); nk++; kre[nk] = f[1]; kout[nk] = f[2]; kwhy[nk] = f[3]
    }
    FS = " "
}
FNR == NR { q[$2] = $3 " " $4 " " $5 " " $6; next }
{
    n++
    idx = $2; w = $3 " " $4 " " $5 " " $6
    what = $0; sub(/^[^#]*# /, "", what)
    if (!(idx in q)) { bad++; printf "MISSING %s: no kernel line (%s)\n", idx, what; next }
    if (q[idx] == w) { agree++; next }
    why = ""
    for (k = 1; k <= nk; k++)
        if (what ~ kre[k] && q[idx] ~ kout[k]) { why = kwhy[k]; break }
    if (why == "") bad++; else explained++
    printf "%s %s: %s; qemu %s, walker %s%s\n", why == "" ? "DIFF" : "known", idx, what, q[idx], w,
        why == "" ? "" : " -- " why
}
END {
    printf "%d scenarios, %d agree, %d differ (%d explained)\n", n, agree, n - agree, explained
    exit (bad > 0 || n < 200) ? 1 : 0
}' "$dir/qemu" "$dir/walker"
