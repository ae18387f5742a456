#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hand-written scenario seeds for fuzz_machine (see machine_input.c, machine_ops.c,
machine_vm.c for the encoding). Run from fuzz/: writes corpus/fuzz_machine/seed-*."""
import os

ACT, MAP, UNMAP, PROT, RECREATE, FORK, COW, ACCESS, TOUCH, PREFETCH = range(10)
K, U1, U2, U3 = 0, 1, 2, 3     # table bytes (users: 1 + b % nr_users, so U1 = 0 there)
READ, WRITE, FETCH = 0, 2, 4   # access kind bits; | 1 kernel VA, | 8 user mode


def hdr(cpus=1, pcid=False, la57=False, users=1):
    return bytes([(cpus - 1) | (4 if pcid else 0) | (8 if la57 else 0) | ((users - 1) << 4)])


def asids(a1=1, a2=2, a3=0, threshold=0):
    """Address-space ids of the user tables; threshold 0..3: default, 1, 4, 64 pages."""
    return bytes([threshold | (a1 << 2) | (a2 << 4) | (a3 << 6)])


def small(i):
    return bytes([0, i])


def huge(slot, off=0):
    return bytes([1 | (slot << 1), off])


def count(n=1, slots=0):
    return bytes([0x80 | (slots - 1)]) if slots else bytes([n - 1])


def act(cpu, t):
    return bytes([ACT, cpu, t])


def map_(cpu, t, page, n, w=True, x=False, untracked=False, is_huge=False, accessed=True,
         glob=False):
    b = (1 if w else 0) | (2 if x else 0) | (4 if glob else 0) | (8 if untracked else 0)
    b |= (0x10 if is_huge else 0) | (0x20 if accessed else 0)
    return bytes([MAP, cpu, t]) + page + n + bytes([b])


def unmap(cpu, t, page, n, give=False):
    return bytes([UNMAP, cpu | (0x80 if give else 0), t]) + page + n


def prot(cpu, t, page, n, clear_w=False, clear_x=False, set_w=False, set_x=False, glob=0):
    b = (1 if clear_w else 0) | (2 if clear_x else 0) | (4 if set_w else 0) | (8 if set_x else 0)
    b |= {0: 0, 1: 0x10, -1: 0x20}[glob]
    return bytes([PROT, cpu, t]) + page + n + bytes([b])


def fork(cpu, p, c, page, n, fail=0):
    return bytes([FORK, cpu | (fail << 5), p - 1, c - 1]) + page + n


def cow(cpu, t, page):
    return bytes([COW, cpu, t - 1]) + page


def access(cpu, page, kind=READ, user=True, kernel=False, n=1):
    return bytes([ACCESS, cpu, kind | (8 if user else 0) | (1 if kernel else 0) | ((n - 1) << 4)]) + page


def touch(page, n):
    return bytes([TOUCH]) + page + n


def prefetch(cpu):
    return bytes([PREFETCH, cpu])


def recreate(cpu, t, asid=1):
    return bytes([RECREATE, cpu, t - 1, asid])


SEEDS = {
    'unmap-protect-2cpu': hdr(2) + asids() + act(0, U1) + act(1, U1) +
    map_(0, U1, small(28), count(8)) + touch(small(28), count(8)) +
    unmap(1, U1, small(30), count(2)) + access(0, small(30), n=4) +
    prot(0, U1, small(28), count(8), clear_w=True) + access(1, small(28), WRITE, n=8) +
    prot(1, U1, small(28), count(8), set_w=True, set_x=True) + access(0, small(28), FETCH, n=8),
    'fork-cow-4cpu-pcid': hdr(4, True, users=3) + asids(1, 2, 1) + act(0, U1) + act(1, U1) +
    act(2, U2) + act(3, U3) + map_(0, U1, small(0), count(4)) + touch(small(0), count(4)) +
    fork(1, U1, U2, small(0), count(16)) + access(0, small(0), WRITE, n=4) +
    access(2, small(1), READ) + cow(2, U2, small(1)) + access(2, small(1), WRITE) +
    cow(0, U1, small(1)) + access(0, small(1), WRITE) + cow(0, U1, small(2)) +
    act(3, U2) + access(3, small(2), WRITE) + prefetch(3) + unmap(3, U2, small(0), count(4)),
    'kernel-global': hdr(3) + asids() + act(1, U1) + map_(0, K, small(10), count(4), glob=True) +
    map_(0, K, small(14), count(2)) + access(0, small(10), kernel=True, user=False, n=6) +
    access(1, small(10), kernel=True, user=False, n=6) + access(2, small(10), kernel=True, n=2) +
    prot(2, K, small(10), count(6), clear_w=True) +
    access(1, small(10), WRITE, kernel=True, user=False, n=6) +
    prot(0, K, small(12), count(2), set_w=True, glob=-1) + prefetch(1) +
    unmap(1, K, small(10), count(6)) + access(0, small(10), kernel=True, user=False, n=6),
    'huge-split': hdr(2, True) + asids(1) + act(0, U1) + act(1, U1) +
    map_(0, U1, huge(1), count(slots=2), untracked=True, is_huge=True) +
    touch(huge(1), count(slots=2)) + prefetch(1) + unmap(1, U1, huge(1, 5), count(3)) +
    access(0, huge(1, 5), n=4) + prot(0, U1, huge(2, 0x40), count(8), clear_w=True) +
    access(1, huge(2, 0x41), WRITE, n=2) + unmap(0, U1, huge(1), count(slots=1)) +
    map_(0, U1, huge(1), count(slots=1), untracked=True, is_huge=True) + touch(huge(1), count(1)),
    'recreate-reuse': hdr(2, True, users=2) + asids(1, 1) + act(0, U1) + act(1, U2) +
    map_(0, U1, small(5), count(3)) + map_(1, U2, small(5), count(3), untracked=True) +
    touch(small(5), count(3)) + recreate(0, U1) + act(0, K) + recreate(1, U1, 1) +
    act(0, U1) + access(0, small(5), n=3) + map_(0, U1, small(5), count(1)) +
    access(0, small(5)) + act(1, U1) + access(1, small(5)) + prefetch(0),
    'threshold-4-pcid': hdr(4, True, users=2) + asids(1, 2, threshold=2) + act(0, U1) +
    act(1, U1) + act(2, U2) + act(3, U1) + map_(0, U1, small(0), count(12)) +
    touch(small(0), count(12)) + act(2, U1) + act(3, U2) + unmap(1, U1, small(2), count(6)) +
    access(2, small(0), n=8) + prot(3, U1, small(0), count(12), clear_w=True) +
    access(0, small(0), WRITE, n=2) + fork(0, U1, U2, small(0), count(12)) + act(1, U2) +
    cow(1, U2, small(0)) + access(1, small(0), WRITE),
    'ranges-overflow-give': hdr(2, users=1) + asids(threshold=3) + act(0, U1) + act(1, U1) +
    b''.join(map_(i % 2, U1, small(2 * i), count(1)) for i in range(21)) +
    touch(small(0), count(42)) + unmap(1, U1, small(0), count(64), give=True) +
    access(0, small(0), n=8),
    'la57-fork': hdr(2, la57=True, users=2) + asids() + act(0, U1) +
    map_(0, U1, small(31), count(2), x=True) + map_(0, U1, huge(0), count(slots=1),
                                                    untracked=True, is_huge=True) +
    touch(small(31), count(2)) + fork(0, U1, U2, huge(0), count(slots=1)) +
    fork(0, U1, U2, small(31), count(2)) + act(1, U2) + access(1, small(31), FETCH, n=2) +
    cow(1, U2, small(32)) + access(1, small(32), WRITE) + access(0, small(32), WRITE),
    'fork-nomem-2cpu': hdr(2, users=2) + asids() + act(0, U1) + act(1, U2) +
    map_(0, U1, small(30), count(4)) + map_(0, U1, huge(0), count(slots=1), untracked=True,
                                            is_huge=True) +
    touch(small(30), count(4)) + fork(0, U1, U2, small(28), count(8), fail=3) +
    access(1, small(30), n=4) + fork(1, U1, U2, small(28), count(8), fail=2) +
    fork(0, U1, U2, huge(0), count(slots=1), fail=1) + fork(0, U1, U2, small(28), count(8)) +
    access(1, small(30), WRITE) + cow(1, U2, small(30)) + access(1, small(30), WRITE),
}

if __name__ == '__main__':
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz_machine')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as fp:
            fp.write(data)
