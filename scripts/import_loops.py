#!/usr/bin/env python3
"""File-level import loops in src/: which file names which through `crate::`
or `super::` paths (use lines and inline paths), and the strongly connected
groups of that graph. Test modules (`mod tests`, files named *tests.rs) are
left out: a test may look at its parent. Exit 1 when there is a loop.

    python3 scripts/import_loops.py
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return rel


def file_of(parts):
    """The longest prefix of `parts` that is a file."""
    for n in range(len(parts), 0, -1):
        base = os.path.join(ROOT, *parts[:n])
        for cand in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.isfile(cand):
                return os.path.relpath(cand, ROOT)
    return None


def code_without_tests(text):
    # Drop `#[cfg(test)] mod tests { ... }` blocks (to the end of the file:
    # they come last by house style).
    m = re.search(r"#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod \w+\s*\{", text)
    text = text[: m.start()] if m else text
    # Comments name modules in prose, not imports.
    return re.sub(r"//[^\n]*", "", text)


files = []
for d, _, fs in os.walk(ROOT):
    if os.sep + "bin" in d:
        continue
    for f in fs:
        if f.endswith(".rs") and not f.endswith("tests.rs") and "calibration" not in f:
            files.append(os.path.join(d, f))

graph = {}
for path in files:
    me = os.path.relpath(path, ROOT)
    mod = module_of(path)
    text = code_without_tests(open(path).read())
    # Expand `use crate::a::{b, c::d}` one level.
    paths = []
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)(::\{([^}]*)\})?", text):
        head = [m.group(1)] + m.group(2).split("::")[1:]
        if m.group(4):
            for item in m.group(4).split(","):
                item = item.strip().split(" as ")[0]
                if item and item != "self":
                    paths.append(head + item.split("::"))
                elif item == "self":
                    paths.append(head)
        else:
            paths.append(head)
    deps = set()
    for p in paths:
        if p[0] == "crate":
            parts = p[1:]
        else:
            parts = mod[:-1] + p[1:]
        f = file_of(parts)
        if f and f != me and f != "lib.rs":
            deps.add(f)
    graph[me] = deps

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(graph):
    if v not in index:
        visit(v)
if sccs:
    print(f"{len(sccs)} import loop(s):")
    for c in sccs:
        print("  " + " ↔ ".join(c))
        for a in c:
            for b in sorted(graph[a] & set(c)):
                print(f"      {a} → {b}")
    sys.exit(1)
print(f"no import loops among {len(graph)} files")
