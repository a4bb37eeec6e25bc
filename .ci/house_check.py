#!/usr/bin/env python3
"""The house rules that a compiler does not check (issue 14), for `.ci/run`:

1. no two files under src/ import each other (`use`), directly or in a circle;
2. no file under src/ holds more than 800 lines before its `#[cfg(test)]` module.

Only `use` declarations of non-test code count as imports: a parent's `mod child;` does not, nor
does a path written out in an expression, nor a `pub use` that re-exports a child's item (an
import through a re-export counts against the file that defines the item). Exits 1 naming every
breach, else 0.
"""
import os
import re
import sys

ROOT = next((a for a in sys.argv[1:] if not a.startswith("-")), "src")
MAX_LINES = 800


def module_path(path):
    parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


files = {}
for folder, _, names in os.walk(ROOT):
    for name in names:
        # The binary's main.rs is another crate; a tests.rs or test_support.rs is test code.
        skipped = (folder == ROOT and name == "main.rs") or name in ("tests.rs", "test_support.rs")
        if name.endswith(".rs") and not skipped:
            path = os.path.join(folder, name)
            files[module_path(path)] = path


def non_test(path):
    text = open(path, encoding="utf-8").read()
    return text.split("#[cfg(test)]")[0]


def expand(tree):
    """`a::{b, c::{d, e}}` -> [[a, b], [a, c, d], [a, c, e]]."""
    tree = " ".join(tree.split())
    brace = tree.find("{")
    if brace < 0:
        tree = re.sub(r"\s+as\s+\w+$", "", tree)
        return [[s for s in tree.split("::") if s]]
    prefix = [s for s in tree[:brace].split("::") if s]
    inner, depth, part, parts = tree[brace + 1 : tree.rfind("}")], 0, "", []
    for ch in inner:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    parts.append(part)
    return [prefix + rest for p in parts if p.strip() for rest in expand(p)]


def absolute(segments, me, children):
    """`segments` as a path from the crate root, or None for another crate or std."""
    if segments[0] == "crate":
        return list(segments[1:])
    if segments[0] in ("super", "self"):
        # The module `self` is, then one step up per `super`.
        base, path = list(me), list(segments)
        while path and path[0] in ("super", "self"):
            if path[0] == "super":
                base = base[:-1]
            path = path[1:]
        return base + path
    if segments[0] in children.get(me, ()):
        return list(me) + list(segments)
    return None


def target(path, depth=0):
    """The file that defines what `path` names: the longest module prefix, followed through
    that module's re-exports of the next segment."""
    for n in range(len(path), -1, -1):
        module = tuple(path[:n])
        if module in files:
            rest = path[n:]
            again = reexports.get(module, {}).get(rest[0]) if rest else None
            if again is not None and depth < 16:
                return target(again + rest[1:], depth + 1)
            return files[module]
    return None


children = {}
uses = {}
reexports = {}
for me, path in files.items():
    code = non_test(path)
    children[me] = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M))
for me, path in files.items():
    code = non_test(path)
    for use in re.finditer(r"^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", code, re.M):
        for segments in expand(use.group(2)):
            full = segments and absolute(segments, me, children)
            if not full:
                continue
            if use.group(1):
                # A re-export: the name it gives, and what it names.
                name = full[-1]
                reexports.setdefault(me, {})[name] = full
            else:
                uses.setdefault(path, []).append(full)

edges = {}
breaches = []
for me, path in files.items():
    lines = non_test(path).count("\n")
    if lines > MAX_LINES:
        breaches.append(f"{path}: {lines} lines outside its tests (at most {MAX_LINES})")
    for full in uses.get(path, ()):
        to = target(full)
        if to and to != path:
            edges.setdefault(path, set()).add(to)

if "-v" in sys.argv:
    for source in sorted(edges):
        print(source, "->", ", ".join(sorted(edges[source])))

# Strongly connected components (Tarjan), iteratively.
index, low, on_stack, stack, cycles, counter = {}, {}, set(), [], [], [0]
for start in sorted(files.values()):
    if start in index:
        continue
    work = [(start, iter(sorted(edges.get(start, ()))))]
    index[start] = low[start] = counter[0]
    counter[0] += 1
    stack.append(start)
    on_stack.add(start)
    while work:
        node, successors = work[-1]
        advanced = False
        for nxt in successors:
            if nxt not in index:
                index[nxt] = low[nxt] = counter[0]
                counter[0] += 1
                stack.append(nxt)
                on_stack.add(nxt)
                work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                advanced = True
                break
            if nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if advanced:
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

for cycle in cycles:
    breaches.append("import cycle: " + " <-> ".join(cycle))
for breach in breaches:
    print(breach)
print(f"house check: {len(files)} files, {len(cycles)} import cycles, {len(breaches)} breaches")
sys.exit(1 if breaches else 0)
