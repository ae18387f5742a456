#!/bin/sh
# The core and backends must link into a kernel: only freestanding headers,
# and no undefined symbol beyond what the platform interfaces document.
#   check-freestanding.sh LIBRARY SOURCE_ROOT
set -eu
lib=$1
root=$2
status=0

# memset and memcpy: compilers may emit them for struct copies; a kernel has both.
allowed="memset memcpy"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One relocatable object, so references between the library's own files resolve.
"${LD:-ld}" -r -o "$tmp/all.o" --whole-archive "$lib"
undefined=$(nm -u --format=posix "$tmp/all.o" | awk '{print $1}' | sort -u)
for sym in $undefined; do
    case " $allowed " in
        *" $sym "*) ;;
        *) echo "undefined symbol outside the platform interfaces: $sym"; status=1 ;;
    esac
done

headers="stddef.h stdint.h stdbool.h stdatomic.h limits.h stdalign.h stdarg.h stdnoreturn.h float.h iso646.h"
for f in $(find "$root/src/core" "$root/src/backend" "$root/include/pt" -name '*.[ch]'); do
    grep -h '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
        sed 's/.*<\(.*\)>.*/\1/' | while read -r h; do
        case "$h" in pt/*) continue ;; esac
        case " $headers " in
            *" $h "*) ;;
            *) echo "$f: non-freestanding header <$h>"; exit 1 ;;
        esac
    done || status=1
done

[ $status -eq 0 ] && echo "freestanding check passed: undefined symbols: ${undefined:-none}"
exit $status
