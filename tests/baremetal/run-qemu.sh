#!/bin/sh
# Boot a baremetal test kernel under QEMU (TCG) and judge its exit status.
#   run-qemu.sh [--expect STATUS] KERNEL [EXTRA QEMU ARGS...]
# The kernel writes its result to isa-debug-exit (x86), sifive_test (RISC-V,
# BM_ARCH=riscv64) or semihosting SYS_EXIT (AArch64, BM_ARCH=aarch64): QEMU exits with 33 when every row passed, 35 when a row
# failed, 253 on an unexpected exception, 255 when the CPU lacks long mode or
# LA57; 0 is a triple fault (x86), 124 a hang (timeout). BM_SUMMARY overrides
# the closing line a status of 33 requires (an extended regex).
# STATUS defaults to 33; a deliberately broken boot expects 35. The serial log
# (\r removed) is printed; its closing line must agree with the status.
set -u
expect=33
if [ "${1:-}" = --expect ]; then
    expect=$2
    shift 2
fi
kernel=$1
shift
qemu=${QEMU:-qemu-system-x86_64}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

start=$(date +%s%N)
case "${BM_ARCH:-x86_64}" in
    riscv64) machine="-machine virt -accel tcg -cpu rv64,svpbmt=on -bios default" ;;
    aarch64) machine="-machine virt -accel tcg -cpu max -semihosting" ;;
    *) machine="-machine q35 -accel tcg -cpu max -device isa-debug-exit,iobase=0xf4,iosize=0x04" ;;
esac
# shellcheck disable=SC2086
timeout 60 "$qemu" $machine -m 128M \
    -nodefaults -display none -no-reboot -serial stdio \
    -kernel "$kernel" "$@" </dev/null >"$dir/serial" 2>"$dir/qemu.err"
rc=$?
end=$(date +%s%N)

tr -d '\r' <"$dir/serial" >"$dir/log"
cat "$dir/log"
cat "$dir/qemu.err" >&2
echo "# qemu exit status $rc (want $expect), $(( (end - start) / 1000000 )) ms"

last=$(tail -n 1 "$dir/log")
case "$expect" in
    33) summary=${BM_SUMMARY:-'^[0-9]+ passed, 0 failed$'} ;;
    35) summary='^[0-9]+ passed, [1-9][0-9]* failed$' ;;
    *) summary='' ;;
esac
if [ "$rc" -ne "$expect" ]; then
    echo "FAIL: exit status $rc, want $expect"
    exit 1
fi
if [ -n "$summary" ] && ! printf '%s\n' "$last" | grep -Eq "$summary"; then
    echo "FAIL: closing line \"$last\" does not match the status"
    exit 1
fi
exit 0
