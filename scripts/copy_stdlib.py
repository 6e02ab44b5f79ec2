#!/usr/bin/env python3
"""Copies this Python's standard library, without site-packages and bytecode caches, as the
corpus for stdlib-check.sh, prefilter-check.sh and benches/compare.py.

    python3 scripts/copy_stdlib.py TARGET [SOURCE]
"""

import os
import shutil
import sys
import sysconfig


def copy_stdlib(target, source=None):
    source = source or sysconfig.get_paths()["stdlib"]
    for root, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                copy = os.path.join(target, os.path.relpath(path, source))
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(path, copy)


if __name__ == "__main__":
    copy_stdlib(*sys.argv[1:3])
