#!/usr/bin/env python3
"""Doxygen INPUT_FILTER for include/pt: the headers keep plain one- or
two-line C comments (STYLE.md); this turns them into doc comments as
Doxygen reads the file, and makes their references checkable.

- the first comment after the SPDX line documents the file (@file);
- a comment on its own line outside function bodies documents what follows,
  one after code on the same line documents that code (/**<);
- pt_name and PT_NAME become \\ref links, pt/name.h a link to that header,
  so a comment naming something that does not exist is a Doxygen warning
  ("unable to resolve reference");
- @name becomes \\p name; before a function or macro, a name that is not one
  of its parameters is reported here as "unknown parameter".

Comments inside function bodies are left alone.
Usage (Doxygen calls it): doxygen-filter.py HEADER
"""
import re
import sys

REF = re.compile(r'(?<![\w@\\/.])(pt_[a-z0-9_]*[a-z0-9]|PT_[A-Z0-9_]*[A-Z0-9])\b(?![*])|'
                 r'(?<![\w/])pt/([a-z0-9_]+\.h)\b')
PARAM = re.compile(r'@([A-Za-z_]\w*)')


def warn(path, line, msg):
    print(f'{path}:{line}: warning: {msg}', file=sys.stderr)


def params_of(decl):
    """Parameter names of a function declaration or function-like macro."""
    m = re.match(r'\s*#\s*define\s+\w+\(([^)]*)\)', decl)
    if m:
        return {p.strip() for p in m.group(1).split(',')}
    depth, start = 0, None
    for i, ch in enumerate(decl):
        if ch == '(':
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ')':
            depth -= 1
            if depth == 0 and start is not None:
                group = decl[start:i]
                if re.fullmatch(r'\s*\*\s*\w+\s*', group):
                    continue        # (*name) of a function pointer: its parameters follow
                names = set()
                for p in group.split(','):
                    p = re.sub(r'\[[^\]]*\]', '', p)
                    fp = re.search(r'\(\s*\*\s*(\w+)\s*\)', p)
                    w = fp.group(1) if fp else (re.findall(r'\w+', p) or [''])[-1]
                    names.add(w)
                return names
        elif ch in ';{' and depth == 0:
            break
    return None


def next_decl(src, pos):
    """The declaration after a leading comment: text up to ';', '{' or a macro line's end."""
    m = re.compile(r'\s*').match(src, pos)
    rest = src[m.end():]
    if rest.startswith('/*'):
        return ''
    if rest.startswith('#'):
        return rest.split('\n', 1)[0]
    end = len(rest)
    for stop in (';', '{'):
        k = rest.find(stop)
        if k >= 0:
            end = min(end, k + 1)
    return rest[:end]


def convert(text, path, line, decl):
    params = params_of(decl) if decl else None

    def param(m):
        name = m.group(1)
        if params is not None and name not in params:
            warn(path, line, f"unknown parameter '@{name}' in the comment of: "
                 f"{' '.join(decl.split())[:60]}")
        return '\\p ' + name

    def ref(m):
        if m.group(1):
            return f'\\ref {m.group(1)} "{m.group(1)}"'
        return f'\\ref {m.group(2)} "pt/{m.group(2)}"'

    text = PARAM.sub(param, text)
    return REF.sub(ref, text)


def filter_header(path):
    src = open(path, encoding='utf-8').read()
    out = []
    i, n = 0, len(src)
    stack = []          # one entry per open brace: True inside a function body
    code_seen = False   # anything but comments and blank space so far
    file_doc = False
    last_code = ''      # the previous significant character
    while i < n:
        if src.startswith('/*', i):
            end = src.find('*/', i + 2)
            end = n if end < 0 else end + 2
            body = src[i + 2:end - 2]
            line = src.count('\n', 0, i) + 1
            bol = src.rfind('\n', 0, i) + 1
            leading = src[bol:i].strip() == ''
            if 'SPDX-License-Identifier' in body or any(stack) or body.startswith('*'):
                out.append(src[i:end])
            elif not code_seen and not file_doc:
                file_doc = True
                out.append('/** @file' + ('' if body.startswith('\n') else '\n') +
                           convert(body, path, line, '') + '*/')
            elif leading:
                out.append('/**' + convert(body, path, line, next_decl(src, end)) + '*/')
            else:
                out.append('/**<' + convert(body, path, line, '') + '*/')
            i = end
            continue
        ch = src[i]
        if ch == '#' and src[src.rfind('\n', 0, i) + 1:i].strip() == '':
            # A preprocessor line (and its continuations) is copied whole but
            # for a trailing comment, which the comment branch handles.
            code_seen = code_seen or not re.match(r'#\s*(ifndef|define)\s+PT_\w+_H\b', src[i:])
            j = i
            while True:
                k = src.find('\n', j)
                k = n if k < 0 else k
                c = src.find('/*', j, k)
                if c >= 0:
                    out.append(src[i:c])
                    i = c
                    break
                if k > 0 and src[k - 1] == '\\':
                    j = k + 1
                    continue
                out.append(src[i:k])
                i = k
                break
            continue
        if ch == '{':
            stack.append(last_code == ')' or any(stack))
        elif ch == '}':
            if stack:
                stack.pop()
        if not ch.isspace():
            code_seen = True
            last_code = ch
        out.append(ch)
        i += 1
    sys.stdout.write(''.join(out))


if __name__ == '__main__':
    filter_header(sys.argv[1])
