"""The shape of a change: natural order, and the folders that explain it."""

from __future__ import annotations

from guard.report import shape


def test_natural_order_reads_numbers_as_numbers() -> None:
    assert sorted(["a10b2", "a2b10", "a2b9", "a10b10"], key=shape.natural) == [
        "a2b9", "a2b10", "a10b2", "a10b10",
    ]  # fmt: skip


def sizes(paths: dict[str, tuple[str, str]], limit: int = 12) -> dict[str, int]:
    return {name: group.size() for name, group in shape.folders(paths, limit).items()}


def test_the_map_names_the_folders_that_explain_the_change() -> None:
    paths = {f"tests/unit/agents/test_{n}.py": ("M", "test") for n in range(3_000)}
    paths |= {f"src/shop/m{n}.py": ("A", "production") for n in range(2)}
    paths |= {"README.md": ("M", "docs"), "docs/worklog.md": ("M", "docs")}
    assert sizes(paths) == {
        "tests/unit/agents/": 3_000,
        "src/shop/": 2,
        "(top level)": 1,
        "docs/": 1,
    }
    groups = shape.folders(paths)
    assert groups["src/shop/"] == shape.Folder({"production": 2}, {"A": 2})
    # 40 scattered small folders stay one group rather than ten fragments
    paths |= {f"lib/part{n}/deep/x.py": ("A", "production") for n in range(40)}
    assert sizes(paths) == {
        "tests/unit/agents/": 3_000, "lib/**": 40, "src/shop/": 2, "(top level)": 1, "docs/": 1,
    }  # fmt: skip
    # too many at the top level: the largest are named, the rest summed up
    spread = {f"pkg{n:02}/sub/x{i}.py": ("A", "test") for n in range(20) for i in range(n + 1)}
    found = sizes(spread, limit=5)
    assert found == {"16 more in (top level)": 136, "pkg19/sub/": 20, "pkg18/sub/": 19,
                     "pkg17/sub/": 18, "pkg16/sub/": 17}  # fmt: skip
    assert sum(found.values()) == len(spread)
    assert sizes({f"a{n}/b/c.py": ("A", "docs") for n in range(3)}, limit=1) == {"**": 3}
    assert sizes({}) == {}
