#!/bin/sh
# The core and the MMU formats build for an AArch64 kernel: freestanding,
# general registers only, inline atomics (no libgcc outline helpers), and
# they need no symbol but memset and memcpy.
#   check-freestanding-aarch64.sh SOURCE_ROOT [CC]
set -eu
root=$1
cc=${2:-aarch64-linux-gnu-gcc}
prefix=${cc%gcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$root"/src/core/*.c "$root"/src/backend/x86_64.c "$root"/src/backend/riscv.c \
         "$root"/src/backend/aarch64.c; do
    "$cc" -std=c11 -O2 -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only \
        -mno-outline-atomics -fno-stack-protector -fno-pic -Werror -Wall \
        -I"$root/include" -c "$f" -o "$tmp/$(basename "$f" .c).o"
done
"${prefix}ld" -r -o "$tmp/all.o" "$tmp"/*.o
undefined=$("${prefix}nm" -u "$tmp/all.o" | awk '{print $2}' | sort -u)
status=0
for sym in $undefined; do
    case " memset memcpy " in
        *" $sym "*) ;;
        *) echo "undefined symbol outside the platform interfaces: $sym"; status=1 ;;
    esac
done
[ $status -eq 0 ] && echo "aarch64 freestanding check passed: undefined symbols:" $undefined
exit $status
