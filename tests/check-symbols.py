#!/usr/bin/env python3
"""A library exports only its API: every global symbol it defines carries the
prefix, and every one a program can link to (default visibility) is declared
in one of its installed headers (the compiler must find the declaration).

  check-symbols.py --prefix pt_ --headers DIR [-I DIR]... --cc CC [--cc ARG]... LIB...

LIB is a shared library (its dynamic symbols) or an archive (the globals of
its members; hidden ones are internal but still need the prefix, since a
static link shares their namespace). Exit 1 listing each offending symbol.
--expect-bad A,B (the self-test): exit 0 only if exactly A and B offend.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


# What instrumented builds add (ASan's ODR indicators, sanitizer and
# coverage runtimes; libgcov, linked into a --coverage shared library,
# exports its mangle_path): the toolchain's, not the library's.
TOOLCHAIN = re.compile(r'^(__(odr_asan[._]|asan_|ubsan_|tsan_|gcov|llvm_|sancov)|mangle_path$)')


def symbols(lib):
    """(name, visibility) of each global or weak symbol LIB defines."""
    so = '.so' in os.path.basename(lib)
    out = subprocess.run(['readelf', '-W', '--dyn-syms' if so else '--syms', lib],
                         check=True, capture_output=True, text=True).stdout
    found = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 8 or not re.match(r'^\d+:$', f[0]):
            continue
        typ, bind, vis, ndx, name = f[3], f[4], f[5], f[6], f[7]
        if ndx == 'UND' or bind not in ('GLOBAL', 'WEAK', 'UNIQUE') or typ in ('FILE', 'SECTION'):
            continue
        if TOOLCHAIN.match(name):
            continue
        found.add((name.split('@')[0], vis))
    return found


def undeclared(names, headers_dir, incs, cc):
    """The names no header under HEADERS_DIR declares, by compiling &name for each."""
    hdrs = sorted(os.path.relpath(os.path.join(d, f), headers_dir)
                  for d, _, fs in os.walk(headers_dir) for f in fs if f.endswith('.h'))
    src = ''.join('#include <%s>\n' % h for h in hdrs)
    src += ''.join('void *check_%d(void);\nvoid *check_%d(void) { return (void *)&%s; }\n'
                   % (i, i, n) for i, n in enumerate(sorted(names)))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'declared.c')
        with open(path, 'w') as f:
            f.write(src)
        r = subprocess.run(cc + ['-std=c11', '-fsyntax-only', '-w',
                                 '-Werror=implicit-function-declaration'] +
                           ['-I' + d for d in [headers_dir] + incs] + [path],
                           capture_output=True, text=True)
    if r.returncode == 0:
        return set()
    bad = {n for n in names if re.search(r"[‘'`]%s[’']" % re.escape(n), r.stderr)}
    if not bad:  # the headers themselves did not compile
        sys.stderr.write(r.stderr)
        sys.exit(2)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--headers', required=True, help='the include directory of the installed headers')
    ap.add_argument('-I', dest='incs', action='append', default=[])
    ap.add_argument('--cc', action='append', required=True)
    ap.add_argument('--expect-bad', default=None)
    ap.add_argument('libs', nargs='+')
    a = ap.parse_args()

    bad = {}
    for lib in a.libs:
        syms = symbols(lib)
        if not syms:
            bad.setdefault('(none)', []).append('%s: no symbol found' % lib)
        for name, _ in syms:
            if not name.startswith(a.prefix):
                bad.setdefault(name, []).append('%s: %s lacks the prefix %s' % (lib, name, a.prefix))
        public = {n for n, vis in syms if vis == 'DEFAULT' and n.startswith(a.prefix)}
        for name in undeclared(public, a.headers, a.incs, a.cc):
            bad.setdefault(name, []).append('%s: %s is not declared in %s' % (lib, name, a.headers))
        print('%s: %d symbols, %d exported, prefix %s' % (lib, len(syms), len(public), a.prefix))

    if a.expect_bad is not None:
        want = set(a.expect_bad.split(','))
        if set(bad) != want:
            print('expected exactly %s to offend, got %s' % (sorted(want), sorted(bad)))
            return 1
        print('self-test: %s caught' % ', '.join(sorted(want)))
        return 0
    for name in sorted(bad):
        for msg in bad[name]:
            print(msg)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
