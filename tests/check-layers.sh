#!/bin/sh
# The core's layers: a file may include only headers of its own layer or
# below. Calls run one way: address space -> flusher -> cursor -> node -> format.
#   check-layers.sh SOURCE_ROOT
# Every file of src/core, src/backend and include/pt must have a layer here;
# a new file without one fails the check, so the order stays stated.
set -eu
root=$1
status=0

# 4 address space, 3 flusher, 2 cursor, 1 node (and the table, its tree), 0 format.
layer_of() {
    case "$1" in
        src/core/vmspace.c|src/core/vmspace_op.h|src/core/activate.c|src/core/fork.c) echo 4 ;;
        include/pt/vmspace.h|include/pt/activate.h|include/pt/pt.h) echo 4 ;;
        src/core/flush.c|src/core/flush_site.h|src/core/vm.c|src/core/vm_bulk.[ch]) echo 3 ;;
        include/pt/flush.h|include/pt/vm.h) echo 3 ;;
        src/core/cursor*.[ch]|src/core/locking.c|src/core/walk.c|src/core/bbm.[ch]) echo 2 ;;
        src/core/dump.c|src/core/adopt.c|src/core/leaf_tmpl.h) echo 2 ;;
        include/pt/cursor.h|include/pt/adopt.h|include/pt/debug.h|include/pt/bbm.h) echo 2 ;;
        src/core/node.[ch]|src/core/table.c|src/core/table_init.h|include/pt/table.h) echo 1 ;;
        src/core/error.c|src/core/version.c|src/core/compiler.h|src/core/frames.h|src/backend/*.c) echo 0 ;;
        include/pt/format.h|include/pt/types.h|include/pt/prop.h|include/pt/env.h) echo 0 ;;
        include/pt/physmem.h|include/pt/reclaim.h|include/pt/tlb.h|include/pt/tlb_*.h) echo 0 ;;
        include/pt/error.h|include/pt/version.h|include/pt/hooks.h) echo 0 ;;
        *) echo none ;;
    esac
}

# The repository path an #include names, from the including file's directory.
resolve() {
    case "$2" in
        \<pt/*\>) h=${2#<}; echo "include/${h%>}" ;;
        \"*\") h=${2#\"}; echo "$(dirname "$1")/${h%\"}" ;;
        *) echo system ;;
    esac
}

cd "$root"
for f in $(find src/core src/backend include/pt -name '*.[ch]' | sort); do
    own=$(layer_of "$f")
    if [ "$own" = none ]; then
        echo "$f: no layer (add it to tests/check-layers.sh)"
        status=1
        continue
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$f"); do
        target=$(resolve "$f" "$inc")
        [ "$target" = system ] && continue
        [ -f "$target" ] || continue
        theirs=$(layer_of "$target")
        if [ "$theirs" = none ] || [ "$theirs" -gt "$own" ]; then
            echo "$f (layer $own) includes $target (layer $theirs): above its layer"
            status=1
        fi
    done
done
[ $status -eq 0 ] && echo "layering check passed: address space -> flusher -> cursor -> node -> format"
exit $status
