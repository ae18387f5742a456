#!/bin/bash -eu
# OSS-Fuzz build of libpt's fuzz targets. Uses only what OSS-Fuzz sets:
# $CC $CFLAGS $CXX $CXXFLAGS (sanitizer and coverage flags), $LIB_FUZZING_ENGINE,
# $SRC (libpt checked out in $SRC/libpt) and $OUT (targets, options,
# dictionaries, seed corpora). The targets, their sources and their flags
# come from fuzz/meson.build (-Dfuzz_engine), so there is no list here to go
# stale. Local run with the same environment: .ci/run, section "== oss-fuzz".
set -eu
src=$SRC/libpt
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# plain: OSS-Fuzz's CFLAGS choose optimisation and debug info.
meson setup "$build" "$src" --buildtype=plain -Ddefault_library=static \
    -Dfuzz=enabled -Dfuzz_engine="$LIB_FUZZING_ENGINE"

# Every libFuzzer executable fuzz/meson.build defines (not the replay drivers).
targets=$(meson introspect --targets "$build" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["subproject"] is None \
            and "/fuzz/" in t["defined_in"] and not t["name"].endswith("_replay"):
        print(t["name"])')
[ -n "$targets" ] || { echo "build.sh: fuzz/meson.build defines no fuzz target" >&2; exit 1; }
# shellcheck disable=SC2086
meson compile -C "$build" $targets

for t in $targets; do
    opts=$src/fuzz/oss-fuzz/$t.options
    [ -f "$opts" ] || { echo "build.sh: $t has no fuzz/oss-fuzz/$t.options" >&2; exit 1; }
    cp "$build/fuzz/$t" "$opts" "$OUT/"
    dict=$(sed -n 's/^dict *= *//p' "$opts")
    [ -z "$dict" ] || cp "$src/fuzz/$dict" "$OUT/$dict"
    rm -f "$OUT/${t}_seed_corpus.zip"
    (cd "$src/fuzz/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
done
