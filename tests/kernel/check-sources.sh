#!/bin/sh
# src/sources.txt (for Kbuild-style builds) must list exactly the sources
# meson builds from pt_core_sources and pt_backend_sources.
#   check-sources.sh SOURCES_TXT MESON_SOURCE...
set -eu
list=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
    echo "$f" | sed 's|.*/src/||'
done | sort >"$tmp/meson"
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list" | sort >"$tmp/txt"
if ! cmp -s "$tmp/meson" "$tmp/txt"; then
    echo "src/sources.txt differs from the meson lists (< meson, > sources.txt):"
    diff "$tmp/meson" "$tmp/txt" | grep '^[<>]'
    exit 1
fi
echo "sources.txt matches meson: $(wc -l <"$tmp/txt") files"
