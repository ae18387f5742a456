#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hand-written scenario seeds for the fuzz corpus (see input.c for the encoding).

Run from fuzz/: ./seeds.py writes corpus/<target>/seed-<name> files.
"""
import os

OPEN, DROP, MAP, MAPR, TAKE, TAKEALL, PROT, PROTALL, QUERY, FIND, JUMP = 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11


def va(slot=0, g=0, m=0, k=0):
    """in_va: root slot / 1 GiB / 2 MiB index code (0,1,2,3=511) and 4 KiB index (<16)."""
    return bytes([slot | (g << 2) | (m << 4), k])


def op_open(v=va(), whole=True, length=b'', fail=0):
    mode = 0x01 if whole else 0x31
    return bytes([OPEN]) + v + bytes([mode]) + length + bytes([fail])


def lenb(level, count=1, adj=0):
    """in_len: @count pages of @level (1..4), adj 0 exact, 1 +4K, 2 -4K."""
    return bytes([((level - 1) << 6) | ((count - 1) << 2) | adj])


def item(level, tracked=False, flags=1, cache=0, pa=0):
    b = level | (0x10 if tracked else 0)
    out = bytes([MAP, b, flags, cache])
    if not tracked:
        out += bytes([pa])
    return out + bytes([0])


def op_map(level, tracked=False, flags=1, pa=0, fail=0):
    return item(level, tracked, flags, 0, pa)[:-1] + bytes([fail])


def pa_code(g=0, m=0, k=0):
    return g | (m << 3) | (k << 5)


def op_take(length=None, fail=0):
    return bytes([TAKE]) + (bytes([0x80]) + length if length else bytes([0])) + bytes([fail])


def op_takeall(fail=0):
    return bytes([TAKEALL, 0, fail])


def op_protect(length=None, b=0x01, c=0x00, fail=0):
    return bytes([PROT]) + (bytes([0x80]) + length if length else bytes([0])) + bytes([fail, b, c])


def op_protall(b=0x01, c=0x00, fail=0):
    return bytes([PROTALL, 0, fail, b, c])


def op_jump(off_len):
    return bytes([JUMP, 0]) + off_len


def op_maprange(pa, length=None, flags=1, fail=0):
    return bytes([MAPR, pa]) + (bytes([0x40]) + length if length else bytes([0])) + bytes([flags, 0, fail])


def op_find(length=None):
    return bytes([FIND]) + (bytes([0x80]) + length if length else bytes([0]))


def op_query():
    return bytes([QUERY])


J0 = lenb(1, 1, 2)  # jump to start + 0 (one page minus a page)

class Ops(list):
    """A scenario: a list of operations, each starting with its opcode byte."""

    def __add__(self, other):
        return Ops(list(self) + (list(other) if isinstance(other, Ops) else [other]))


def O(b):
    return Ops([b])


SCENARIOS = {
    'split-1g': O(op_open()) + op_map(3, pa=pa_code(g=1)) + op_jump(lenb(1, 1)) +
    op_take(lenb(1, 1)) + op_protall(b=0x01) + op_takeall(),
    'split-1g-nomem': O(op_open()) + op_map(3, pa=pa_code(g=1)) + op_jump(lenb(1, 1)) +
    op_take(lenb(1, 1), fail=0xe1) + op_protect(lenb(1, 1), fail=0xe0) + op_take(lenb(1, 1)),
    'stale-table': O(op_open()) + op_map(1, tracked=True) + op_map(1, tracked=True) + op_jump(J0) +
    op_take(lenb(1, 1)) + op_jump(J0) + op_take(lenb(2, 1)) + op_takeall(),
    'leaf-past-end': O(op_open()) + op_jump(lenb(2, 1)) + op_map(2, pa=pa_code(m=1)) + op_jump(J0) +
    op_take(lenb(2, 2, 2)) + op_takeall(),
    'query-then-take': O(op_open()) + op_map(1) + op_jump(J0) + op_query() + op_take(lenb(2, 1)) +
    op_jump(J0) + op_map(2, pa=pa_code(m=1)),
    'map-range': O(op_open()) + op_maprange(pa_code(g=1, k=1), lenb(2, 3, 1)) + op_find() +
    op_protall(b=0x09) + op_takeall(),
    'map-range-nomem': O(op_open()) + op_maprange(pa_code(k=1), lenb(3, 1, 1), fail=0xe2) +
    op_maprange(pa_code(), lenb(3, 2), fail=0xe0) + op_takeall(),
    'open-nomem': O(op_open(va(1, 1, 1, 1), whole=False, length=lenb(1, 2), fail=0xe1)) +
    op_open(va(1, 1, 1, 1), whole=False, length=lenb(1, 2)) + op_map(1, fail=0xe0) + op_map(1),
    'top-slot': O(op_open(va(3, 3, 3, 0x83))) + op_map(1, tracked=True) + op_takeall(),
    'tracked-twice': O(op_open()) + op_map(1, tracked=True) + bytes([MAP, 0x31, 1, 0, 0]) +
    op_takeall(),
    'invalid': O(op_open()) + bytes([MAP, 0x0f, 0xc1, 0x07, 0x00, 0]) + op_map(2, tracked=True) +
    op_map(1, flags=0x11) + op_jump(lenb(4, 8, 3)) + op_protect(b=0xa0, c=0xfe),
}


SHARED = {
    # kernel mappings (GLOBAL allowed) seen through user tables created later
    'kernel-global': [(0, op_open()), (0, op_map(2, flags=0x11, pa=pa_code(m=1))),
                      (None, bytes([0xd2, 0x00, 0x00])), (0, op_map(1, tracked=True, flags=0x11)),
                      (1, op_open()), (1, op_map(1, flags=0x11)), (1, op_map(1))],
    # users, a failing create, shallow copies, BUSY kernel, destruction in input order
    'users-copies': [(None, bytes([0xd2, 0x00, 0xe0])), (None, bytes([0xd2, 0x00, 0x00])),
                     (None, bytes([0xd0, 0x01])), (3, op_open()), (3, op_map(1, tracked=True)),
                     (None, bytes([0xd1, 0x80])), (2, op_open()), (2, op_map(3, pa=pa_code(g=1))),
                     (None, bytes([0xd1, 0x83])), (0, op_open()), (0, op_takeall()),
                     (None, bytes([0x81, 0x82, 0x80, 0x84, 0x85]))],
}


def encode(scenario, fmt, shared):
    out = bytes([fmt])
    for op in scenario:
        handle, op = op if isinstance(op, tuple) else (1, op)
        if shared and handle is not None:
            out += op[:1] + bytes([handle]) + op[1:]
        else:
            out += op
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for target, fmt_bytes in (('fuzz_cursor', [0, 1, 2]), ('fuzz_shared_kernel', [0, 2])):
        d = os.path.join(here, 'corpus', target)
        os.makedirs(d, exist_ok=True)
        todo = dict(SCENARIOS)
        if target == 'fuzz_shared_kernel':
            todo.update(SHARED)
        for name, ops in todo.items():
            for f in fmt_bytes:
                with open(os.path.join(d, 'seed-%s-%d' % (name, f)), 'wb') as fp:
                    fp.write(encode(ops, f, target == 'fuzz_shared_kernel'))


if __name__ == '__main__':
    main()
