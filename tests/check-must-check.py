#!/usr/bin/env python3
"""Every function returning enum pt_err is PT_MUST_CHECK, and ignoring one
fails a -Werror build.

  check-must-check.py --root SRC --cc CC [--cc ARG]... -I DIR...

1. No header of the tree (and no .c file for its static functions) declares
   a function returning enum pt_err without PT_MUST_CHECK.
2. tests/must_check/ignored.c does not compile with -Wall -Wextra -Werror,
   with one unused-result error per line marked "ignores" (and, for gcc,
   "ignores (gcc": a (void) cast does not discard there);
   tests/must_check/discarded.c (the same calls checked or pt_discard()ed)
   compiles.
"""
import argparse
import os
import re
import subprocess
import sys

DECL = re.compile(r'^(static )?(inline )?enum pt_err [a-z_][a-z_0-9]*\(')


def unmarked(root):
    out = subprocess.run(['git', '-C', root, 'ls-files', '*.h', '*.c'],
                         capture_output=True, text=True)
    if out.returncode != 0:   # not a git checkout (a release tarball): walk it
        files = [os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root)
                 for f in fs if f.endswith(('.h', '.c'))]
    else:
        files = out.stdout.split()
    bad = []
    for rel in files:
        if rel.startswith('build'):
            continue
        with open(os.path.join(root, rel), errors='replace') as f:
            for n, line in enumerate(f, 1):
                m = DECL.match(line)
                if m and (rel.endswith('.h') or m.group(1)):
                    bad.append('%s:%d: %s' % (rel, n, line.rstrip()))
    return bad


def compile_(cc, incs, path):
    # A real compilation: gcc warns about unused results after parsing.
    return subprocess.run(cc + ['-std=c11', '-Wall', '-Wextra', '-Werror', '-c', '-o', os.devnull] +
                          ['-I' + d for d in incs] + [path], capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--cc', action='append', required=True)
    ap.add_argument('-I', dest='incs', action='append', default=[])
    a = ap.parse_args()
    status = 0

    bad = unmarked(a.root)
    for b in bad:
        print('not PT_MUST_CHECK: ' + b)
    status |= bool(bad)

    ignored = os.path.join(a.root, 'tests/must_check/ignored.c')
    clang = 'clang' in subprocess.run(a.cc + ['--version'], capture_output=True,
                                      text=True).stdout
    lines = open(ignored).read().splitlines()
    # A (void) cast discards the result for clang, not for gcc.
    want = sum('/* ignores */' in l or ('/* ignores (gcc' in l and not clang) for l in lines)
    r = compile_(a.cc, a.incs, ignored)
    got = len([l for l in r.stderr.splitlines()
               if 'error' in l and re.search(r'unused.result', l)])
    if r.returncode == 0 or got != want:
        print('ignored.c: expected %d unused-result errors, got %d (exit %d)\n%s'
              % (want, got, r.returncode, r.stderr))
        status = 1
    else:
        print('ignored.c: %d ignored results, %d errors under -Werror' % (want, got))
    r = compile_(a.cc, a.incs, os.path.join(a.root, 'tests/must_check/discarded.c'))
    if r.returncode != 0:
        print('discarded.c does not compile:\n' + r.stderr)
        status = 1
    else:
        print('discarded.c: compiles under -Werror')
    return status


if __name__ == '__main__':
    sys.exit(main())
