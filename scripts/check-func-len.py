#!/usr/bin/env python3
"""List the functions of lib/ longer than LIMIT lines; exit 1 if any is not in ALLOW.

A function's length is counted from the line of its opening brace to the line of its closing
brace, both included. The scan is a plain brace matcher over the C text with comments, string and
character literals blanked out: a top-level `{` whose previous code character is `)` opens a
function body (initialisers follow `=`, struct/enum/union bodies a name), and the function's name
is the identifier before the `(` that matches that `)`. Good enough for this code base, which does
not put braces in macros at the top level.

Usage: scripts/check-func-len.py [--all]   (--all also prints every function's length)
"""
import pathlib
import re
import sys

LIMIT = 80

# "path:function" -> reason. An entry that is no longer over the limit is reported (not an error,
# so a split in another branch does not break this check): remove it then.
ALLOW = {}

root = pathlib.Path(__file__).resolve().parent.parent


def blank(text):
    """text with comments and string/char literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            out.append(text[i])
            i += 1
            continue
        out.append("".join(c if c == "\n" else " " for c in text[i:j]))
        i = j
    return "".join(out)


def function_name(code, close_paren):
    """Identifier before the '(' that matches the ')' at index close_paren."""
    depth = 0
    for k in range(close_paren, -1, -1):
        if code[k] == ")":
            depth += 1
        elif code[k] == "(":
            depth -= 1
            if depth == 0:
                m = re.search(r"([A-Za-z_]\w*)\s*$", code[:k])
                return m.group(1) if m else "?"
    return "?"


def functions(path):
    """(name, first line, length in lines) of every function defined in path."""
    code = blank(path.read_text(errors="replace"))
    found = []
    depth = 0
    start = None
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                k = i - 1
                while k >= 0 and code[k].isspace():
                    k -= 1
                start = (k, i) if k >= 0 and code[k] == ")" else None
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and start is not None:
                first = code.count("\n", 0, start[1]) + 1
                last = code.count("\n", 0, i) + 1
                found.append((function_name(code, start[0]), first, last - first + 1))
                start = None
    return found


def main():
    show_all = "--all" in sys.argv[1:]
    over, allowed = [], []
    seen = set()
    for f in sorted((root / "lib").rglob("*.c")):
        rel = f.relative_to(root).as_posix()
        for name, line, length in functions(f):
            key = f"{rel}:{name}"
            if show_all:
                print(f"{length:5d}  {rel}:{line} {name}")
            if length <= LIMIT:
                continue
            seen.add(key)
            entry = f"{rel}:{line}: {name}() is {length} lines"
            if key in ALLOW:
                allowed.append(f"{entry} (allowed: {ALLOW[key]})")
            else:
                over.append(entry)
    stale = sorted(k for k in ALLOW if k not in seen)
    for a in allowed:
        print("  " + a)
    for k in stale:
        print(f"  note: ALLOW entry {k} is no longer over {LIMIT} lines (or gone): remove it")
    if over:
        print(f"functions in lib/ over {LIMIT} lines (split them, or add them to ALLOW in "
              f"scripts/check-func-len.py with a reason):")
        for o in over:
            print("  " + o)
        sys.exit(1)
    print(f"function length ok: every function in lib/ is at most {LIMIT} lines "
          f"({len(allowed)} allowed exceptions)")


main()
