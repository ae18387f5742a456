#!/bin/sh
# scripts/ptsim-draw on the examples that dump --dot: Graphviz must accept
# every graph ptsim prints and render it to SVG and PNG. Skipped (77) without dot.
#   draw.sh PTSIM SOURCE_ROOT
set -eu
command -v dot >/dev/null || { echo "no Graphviz dot: skipped"; exit 77; }
ptsim="$1" root="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/ptsim-draw" --ptsim "$ptsim" -o "$tmp/hp.svg" "$root/sim/examples/huge-pages.pt"
grep -q "<svg" "$tmp/hp.svg"
grep -q "shared: kernel half of K" "$tmp/hp.svg"
"$root/scripts/ptsim-draw" --ptsim "$ptsim" -o "$tmp/rv.png" "$root/sim/examples/riscv.pt"
[ "$(head -c 4 "$tmp/rv.png" | od -An -c | tr -d ' ')" = "211PNG" ]
# A scenario without a graph is an error, not an empty picture.
printf 'stats\n' >"$tmp/none.pt"
if "$root/scripts/ptsim-draw" --ptsim "$ptsim" -o "$tmp/none.svg" "$tmp/none.pt" 2>/dev/null; then
    echo "a scenario without dump --dot was drawn"; exit 1
fi
echo "ptsim-draw: SVG and PNG rendered"
