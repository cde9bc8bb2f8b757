"""The screening rules of commands that write, move or delete files, and `apply_patch` texts.

Each rule reads a command's arguments and records, on the context, which paths it
would write, delete or only change the metadata of; the judge decides later what
the session allows.
"""

from __future__ import annotations

import os

from guard.shell.options import Spec, options

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from guard.shell.screen import Ctx

# The names Codex's patch tool has as a command (`apply_patch <<'EOF' ...`).
PATCH_NAMES = ("apply_patch", "applypatch")
PATCH_HEADERS = (
    ("*** Add File: ", "write"),
    ("*** Update File: ", "write"),
    ("*** Move to: ", "write"),
    ("*** Delete File: ", "delete"),
)


def patch_targets(patch: str) -> list[tuple[str, str]]:
    """(operation, path) of every file a Codex `apply_patch` text adds, changes,
    moves to or deletes (its `*** Add File:`-style headers)."""
    targets = []
    for line in patch.splitlines():
        text = line.strip()
        for header, operation in PATCH_HEADERS:
            if text.startswith(header) and text[len(header) :].strip():
                targets.append((operation, text[len(header) :].strip()))
    return targets


def _targets(kind: str, what: str, spec: Spec) -> Callable[[list[str], Ctx], None]:
    def run(args: list[str], ctx: Ctx) -> None:
        for path in options(args, spec).positionals:
            ctx.hit(kind, what, path)

    return run


def source_names(sources: list[str]) -> tuple[str, ...]:
    """The names sources keep in a destination directory (`cp a/x.py b/ dest/`)."""
    return tuple(os.path.basename(s.rstrip("/")) or s for s in sources)


COPY_SPEC = Spec("tSmog", "", ("--target-directory", "--suffix", "--mode", "--owner", "--group"))


def _copy_like(what: str, args: list[str], ctx: Ctx, link: bool = False) -> list[str]:
    """cp, mv, install, ln: hit the destination; return the sources."""
    parsed = options(args, COPY_SPEC)
    positionals = parsed.positionals
    directory = parsed.value("-t", "--target-directory")
    if directory is not None:
        sources, dest, into = positionals, directory, True
    elif link and len(positionals) == 1:
        sources, dest, into = positionals, ".", True  # `ln -s TARGET`: a link here
    elif len(positionals) >= 2:
        sources, dest, into = positionals[:-1], positionals[-1], len(positionals) > 2
    else:
        return []
    if parsed.has("-T", "--no-target-directory"):
        ctx.hit("write", what, dest)
    else:
        ctx.hit("write", what, dest, source_names(sources), into)
    return sources


HARD_LINK = "a hard link (its content is shared: a write to the link writes it)"


def _hard_links(sources: list[str], ctx: Ctx) -> None:
    """A hard link makes its source writable through another name: judged as a write."""
    for source in sources:
        ctx.hit("write", HARD_LINK, source)


def _cp(args: list[str], ctx: Ctx) -> None:
    sources = _copy_like("cp", args, ctx)
    if options(args, COPY_SPEC).has("-l", "--link"):
        _hard_links(sources, ctx)


def _ln(args: list[str], ctx: Ctx) -> None:
    sources = _copy_like("ln", args, ctx, link=True)
    if not options(args, COPY_SPEC).has("-s", "--symbolic"):
        _hard_links(sources, ctx)


def _link(args: list[str], ctx: Ctx) -> None:
    """`link SOURCE NAME`: a hard link."""
    positionals = options(args, Spec()).positionals
    if len(positionals) == 2:
        ctx.hit("write", "link", positionals[1])
        _hard_links(positionals[:1], ctx)


def _install(args: list[str], ctx: Ctx) -> None:
    parsed = options(args, COPY_SPEC)
    if parsed.has("-d", "--directory"):
        for path in parsed.positionals:
            ctx.hit("meta", "install -d", path)
    else:
        _copy_like("install", args, ctx)


def _mv(args: list[str], ctx: Ctx) -> None:
    for source in _copy_like("mv", args, ctx):
        ctx.hit("delete", "mv", source)


def _mode_change(what: str, kind: str) -> Callable[[list[str], Ctx], None]:
    """chmod MODE FILE..., chown OWNER FILE... (no MODE with --reference)."""

    def run(args: list[str], ctx: Ctx) -> None:
        words = [a for a in args if not a.startswith("--") and not _mode_flags(a)]
        reference = any(a.startswith("--reference") for a in args)
        for path in words if reference else words[1:]:
            ctx.hit(kind, what, path)

    return run


def _mode_flags(arg: str) -> bool:
    """`-R`, `-Rv`: options of chmod and chown (a mode such as `-x` is not one)."""
    return len(arg) > 1 and arg[0] == "-" and all(c in "RcfvhHLP" for c in arg[1:])


def _sed(args: list[str], ctx: Ctx) -> None:
    in_place, script_given, positionals = False, False, []
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--":
            positionals.extend(args[at:])
            break
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            in_place = in_place or name == "--in-place"
            script_given = script_given or name in ("--expression", "--file")
            at += not eq and name in ("--expression", "--file", "--line-length")
        elif arg.startswith("-") and len(arg) > 1:
            place, script, takes_next = _sed_bundle(arg[1:])
            in_place, script_given = in_place or place, script_given or script
            at += takes_next or (arg == "-i" and at < len(args) and args[at] == "")  # BSD -i ''
        else:
            positionals.append(arg)
    if in_place:
        for path in positionals if script_given else positionals[1:]:
            ctx.hit("write", "sed -i", path)


def _sed_bundle(letters: str) -> tuple[bool, bool, bool]:
    """(in place, script given, the next argument is this option's value)."""
    for index, char in enumerate(letters):
        if char == "i":
            return True, False, False  # the rest is a backup suffix
        if char in "efl":
            return False, char != "l", index == len(letters) - 1
    return False, False, False


def _perl(args: list[str], ctx: Ctx) -> None:
    in_place, script_given, positionals = False, False, []
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--" or not arg.startswith("-") or len(arg) == 1:
            positionals.extend(args[at - (arg != "--") :])
            break
        for index, char in enumerate(arg[1:], 2):
            if char == "i":
                in_place = True
                break
            if char in "eE":
                script_given = True
                at += index == len(arg)
                break
            if char in "MmIFxlC0dD":
                break
    if in_place:
        for path in positionals if script_given else positionals[1:]:
            ctx.hit("write", "perl -i", path)


def _dd(args: list[str], ctx: Ctx) -> None:
    for arg in args:
        if arg.startswith("of="):
            ctx.hit("write", "dd of=", arg[3:])


def _download(letter: str, long: str) -> Callable[[list[str], Ctx], None]:
    """curl -o FILE, wget -O FILE."""

    def run(args: list[str], ctx: Ctx) -> None:
        for at, arg in enumerate(args):
            value = None
            if arg.startswith(long + "="):
                value = arg.partition("=")[2]
            elif arg == long or (arg[:1] == "-" and arg[1:2] != "-" and arg.endswith(letter)):
                value = args[at + 1] if at + 1 < len(args) else None
            elif arg.startswith("-" + letter) and len(arg) > 2:
                value = arg[2:]
            if value and value != "-":
                ctx.hit("write", f"{long} (download)", value)

    return run


def _apply_patch(args: list[str], ctx: Ctx) -> None:
    text = ctx.doc if ctx.doc is not None else (args[0] if args else "")
    for operation, path in patch_targets(text):
        ctx.hit(operation, "apply_patch", path)


COMMANDS: dict[str, Callable[[list[str], Ctx], None]] = {
    "rm": _targets("delete", "rm", Spec()),
    "rmdir": _targets("delete", "rmdir", Spec()),
    "unlink": _targets("delete", "unlink", Spec()),
    "shred": _targets("write", "shred", Spec("ns", "", ("--iterations", "--size"))),
    "touch": _targets("write", "touch", Spec("dtr", "", ("--date", "--reference"))),
    "truncate": _targets("write", "truncate", Spec("sr", "", ("--size", "--reference"))),
    "tee": _targets("write", "tee", Spec()),
    "mkdir": _targets("meta", "mkdir", Spec("m", "", ("--mode",))),
    "cp": _cp,
    "mv": _mv,
    "install": _install,
    "ln": _ln,
    "link": _link,
    "chmod": _mode_change("chmod", "write"),  # git records the executable bit
    "chown": _mode_change("chown", "meta"),
    "chgrp": _mode_change("chgrp", "meta"),
    "sed": _sed,
    "perl": _perl,
    "dd": _dd,
    "curl": _download("o", "--output"),
    "wget": _download("O", "--output-document"),
    **{name: _apply_patch for name in PATCH_NAMES},
}
