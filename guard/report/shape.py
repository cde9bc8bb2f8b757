"""The shape of a change, for people: its paths in natural order and summed up by
the folders that explain most of it."""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Mapping
from typing import NamedTuple

_DIGITS = re.compile(r"(\d+)", re.ASCII)


def natural(path: str) -> tuple[list[str | int], str]:
    """A sort key that puts `m2` before `m10`."""
    return [int(p) if i % 2 else p for i, p in enumerate(_DIGITS.split(path))], path


class Folder(NamedTuple):
    """Paths counted by category and by status (A, M, D, R, T)."""

    categories: Counter[str]
    statuses: Counter[str]

    def size(self) -> int:
        return sum(self.categories.values())

    def add(self, other: Folder) -> Folder:
        self.categories.update(other.categories)
        self.statuses.update(other.statuses)
        return self


def _empty() -> Folder:
    return Folder(Counter(), Counter())


def _tree(paths: Mapping[str, tuple[str, str]]) -> tuple[dict[str, Folder], ...]:
    """(folder -> its own files, folder -> all below it) for paths ({path: (status,
    category)}); a folder ends in `/`, the top level is `""`."""
    own: dict[str, Folder] = {}
    for path, (status, category) in paths.items():
        folder = path[: path.rfind("/") + 1]
        if folder not in own:
            own[folder] = _empty()
        own[folder].categories[category] += 1
        own[folder].statuses[status] += 1
    under: dict[str, Folder] = {}
    for folder, files in own.items():
        while True:
            if folder not in under:
                under[folder] = _empty()
            under[folder].add(files)
            if not folder:
                break
            folder = folder[: folder.rstrip("/").rfind("/") + 1]
    return own, under


def folders(paths: Mapping[str, tuple[str, str]], limit: int = 12) -> dict[str, Folder]:
    """label -> paths ({path: (status, category)}) counted, largest first, in at most
    `limit` groups. From the top level down the largest group splits into its own
    files and its subfolders (`a/**`: a folder and all below it) while they fit; one
    that does not fit keeps its largest parts and sums up the rest when those parts
    hold most of it (the top level always), else it stays whole."""
    own, under = _tree(paths)
    subs: dict[str, list[str]] = {}
    for folder in under:
        if folder:
            subs.setdefault(folder[: folder.rstrip("/").rfind("/") + 1], []).append(folder)
    done: list[tuple[str, Folder]] = []
    heap = [(-len(paths), "")] if paths else []
    while heap:
        folder = heapq.heappop(heap)[1]
        name, whole = folder or "(top level)", under[folder]
        parts = [(under[f].size(), f) for f in subs.get(folder, ())]
        parts += [(own[folder].size(), "")] if folder in own and parts else []
        parts.sort(key=lambda part: (-part[0], natural(part[1])))
        room = limit - len(done) - len(heap)
        if not parts:
            done.append((name, whole))
            continue
        if len(parts) > room:
            kept = parts[: room - 1]
            if room < 2 or (folder and 2 * sum(n for n, _ in kept) < whole.size()):
                done.append((f"{folder}**", whole))
                continue
            lump = _empty()
            for _, sub in parts[room - 1 :]:
                lump.add(under[sub] if sub else own[folder])
            done.append((f"{len(parts) - len(kept)} more in {name}", lump))
            parts = kept
        for _, sub in parts:
            if sub:
                heapq.heappush(heap, (-under[sub].size(), sub))
            else:
                done.append((name, own[folder]))
    return dict(sorted(done, key=lambda item: (-item[1].size(), natural(item[0]))))
