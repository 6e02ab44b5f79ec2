#!/usr/bin/env python3
"""Writes a big generated Python file with many findings, for measuring how the cost of a
run grows with its input (issue 15): `python3 scripts/big-input.py OUT [UNITS] [LINKS]`.

Each unit is an LK001 finding (`def fN(x=[]): return x`, fixed in two passes) plus every
tenth unit an LK003 two-name cycle; one function holds LINKS chained links
(`n0.next = n1`, ...) that close one cycle at its end. The defaults (200,000 units,
23,000 links) give about 20 MB and 200,000 findings.
"""

import sys


def main() -> None:
    out = sys.argv[1]
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    links = int(sys.argv[3]) if len(sys.argv) > 3 else 23_000
    parts = ["import weakref\n\n\n"]
    for n in range(units):
        parts.append(
            f"def f{n}(x=[]):\n"
            f"    # padding so that the file reaches its size\n"
            f"    return x\n\n\n"
        )
        if n % 10 == 0:
            parts.append(
                f"def g{n}():\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n    return a\n\n\n"
            )
    parts.append("def chain():\n")
    for i in range(links):
        parts.append(f"    n{i} = Node()\n")
    for i in range(links - 1):
        parts.append(f"    n{i}.next = n{i + 1}\n")
    parts.append(f"    n{links - 1}.next = n0\n    return n0\n")
    with open(out, "w") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
