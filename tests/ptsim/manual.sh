#!/bin/sh
# ptsim(1) formats without a warning. Skipped (77) without groff.
#   manual.sh SOURCE_ROOT
set -eu
command -v groff >/dev/null || { echo "no groff: skipped"; exit 77; }
warnings="$(groff -man -ww -z "$1/sim/ptsim.1" 2>&1)"
[ -z "$warnings" ] || { echo "$warnings"; exit 1; }
echo "ptsim.1: no warnings"
