"""Files of the previous publication reused by the next: hard links, or copies where links fail.

A publication is never written to in place (every file is written whole, under a new directory
that replaces the old one), so a file linked into the next publication cannot change under the
previous one, and a killed build leaves both as they were.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def link_or_copy(src: Path, dst: Path) -> bool:
    """`dst` as a hard link to `src` (a copy across file systems); False when `src` is missing."""
    if not src.is_file():
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    _link(str(src), str(dst))
    return True


def link_tree(src: Path, dst: Path) -> bool:
    """Every file under `src` linked at the same place under `dst`; False when `src` is missing.
    Plain strings and one mkdir per folder: a rebuild links some 55,000 pages this way."""
    if not src.is_dir():
        return False
    for folder, _dirs, names in os.walk(src):
        target = os.path.normpath(os.path.join(dst, os.path.relpath(folder, src)))
        os.makedirs(target, exist_ok=True)
        for name in names:
            _link(os.path.join(folder, name), os.path.join(target, name))
    return True


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except FileExistsError:
        pass
    except OSError:
        shutil.copyfile(src, dst)
