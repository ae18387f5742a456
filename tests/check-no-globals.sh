#!/bin/sh
# The core holds no mutable global: no symbol of the archive lives in a
# writable section (nm classes B/b bss, D/d data, C common, G/g and S/s small
# data), exported or file-static. Test knobs reach the core through
# pt_env.hooks (pt/hooks.h).
#   check-no-globals.sh ARCHIVE
set -eu
found=$(${NM:-nm} --format=bsd "$1" | awk 'NF == 3 && $2 ~ /^[BbDdCGgSs]$/ { print $3 " (" $2 ")" }')
if [ -n "$found" ]; then
    echo "writable globals in $1:"
    echo "$found"
    exit 1
fi
echo "no writable global in $1"
