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
        place, script, takes_next = _perl_bundle(arg[1:])
        in_place, script_given = in_place or place, script_given or script
        at += takes_next
    if in_place:
        for path in positionals if script_given else positionals[1:]:
            ctx.hit("write", "perl -i", path)


def _perl_bundle(letters: str) -> tuple[bool, bool, bool]:
    """(in place, script given, the next argument is -e's code) of `-lpi`, `-0777pi.bak`:
    -l, -0 and -C take only digits, so letters after them are options of their own."""
    index, in_place = 0, False
    while index < len(letters):
        char = letters[index]
        index += 1
        if char == "i":
            return True, False, False  # the rest is a backup suffix
        if char in "eE":
            return in_place, True, index == len(letters)
        if char in "l0C":
            digits = "01234567" if char == "0" else "0123456789"
            if char == "0" and letters[index : index + 1] == "x":
                digits, index = "0123456789abcdefABCDEF", index + 1
            while index < len(letters) and letters[index] in digits:
                index += 1
        elif char in "MmIFxdD":
            break  # the rest is this option's value
    return in_place, False, False


AWK_SPEC = Spec(
    "fvFilEe",
    "",
    ("--file", "--assign", "--field-separator", "--include", "--load", "--source", "--exec"),
)


def _awk(args: list[str], ctx: Ctx) -> None:
    """`gawk -i inplace PROGRAM FILE...` rewrites the files (operands `var=value` are not)."""
    parsed = options(args, AWK_SPEC, permute=False)
    included = parsed.values.get("-i", []) + parsed.values.get("--include", [])
    if not any(name in ("inplace", "inplace.awk") for name in included):
        return
    script = any(k in parsed.values for k in ("-f", "-e", "-E", "--file", "--source", "--exec"))
    files = parsed.positionals if script else parsed.positionals[1:]
    for path in files:
        if "=" not in path or path.startswith(("./", "/")):
            ctx.hit("write", "awk -i inplace", path)


RSYNC_SPEC = Spec(
    "efBT",
    "",
    (
        "--rsh", "--rsync-path", "--filter", "--exclude", "--include", "--exclude-from",
        "--include-from", "--files-from", "--temp-dir", "--compare-dest", "--copy-dest",
        "--link-dest", "--partial-dir", "--backup-dir", "--suffix", "--chmod", "--chown",
        "--log-file", "--password-file", "--port", "--timeout", "--bwlimit", "--max-size",
        "--min-size", "--block-size", "--out-format", "--info", "--debug", "--usermap",
        "--groupmap", "--iconv", "--modify-window", "--max-delete",
    ),
)  # fmt: skip


def _remote(path: str) -> bool:
    """`host:path`, `user@host:path`, `rsync://...`: not a local path."""
    head = path.split("/", 1)[0]
    return ":" in head or path.startswith("rsync://")


def _rsync(args: list[str], ctx: Ctx) -> None:
    """`rsync SRC... DST` writes DST (a directory: the sources' names in it, or, for a
    source with a trailing slash, whatever it holds)."""
    parsed = options(args, RSYNC_SPEC)
    if parsed.has("-n", "--dry-run", "--list-only") or len(parsed.positionals) < 2:
        return
    sources, dest = parsed.positionals[:-1], parsed.positionals[-1]
    if not _remote(dest):
        if any(s.endswith("/") for s in sources):
            ctx.hit("write", "rsync", dest)  # the contents of a directory: judged as one
        else:
            ctx.hit("write", "rsync", dest, source_names(sources), len(sources) > 1)
    if parsed.has("--remove-source-files"):
        for source in sources:
            if not _remote(source):
                ctx.hit("delete", "rsync --remove-source-files", source)


SPLIT_SPEC = Spec(
    "abClnt",
    "",
    (
        "--suffix-length", "--additional-suffix", "--bytes", "--line-bytes", "--lines",
        "--number", "--separator", "--filter",
    ),
)  # fmt: skip


def _split(args: list[str], ctx: Ctx) -> None:
    """`split [FILE [PREFIX]]` writes PREFIXaa, PREFIXab...: judged by the first name."""
    parsed = options(args, SPLIT_SPEC)
    if parsed.value("--filter") is not None:
        return  # the output goes to a command, not to files
    prefix = parsed.positionals[1] if len(parsed.positionals) >= 2 else "x"
    length = parsed.value("-a", "--suffix-length") or "2"
    digits = parsed.has("-d", "-x", "--numeric-suffixes", "--hex-suffixes")
    suffix = ("0" if digits else "a") * (int(length) if length.isdigit() else 2)
    ctx.hit("write", "split", prefix + suffix + (parsed.value("--additional-suffix") or ""))


# name -> (its suffix, whether it decompresses without -d)
COMPRESSORS = {
    "gzip": (".gz", False),
    "gunzip": (".gz", True),
    "bzip2": (".bz2", False),
    "bunzip2": (".bz2", True),
    "xz": (".xz", False),
    "unxz": (".xz", True),
}
GZIP_SPEC = Spec("S", "", ("--suffix",))


def _compressor(name: str) -> Callable[[list[str], Ctx], None]:
    """`gunzip X.gz`/`gzip -d X.gz` write X; `gzip X` writes X.gz; both delete the input
    unless told to keep it or to write to the standard output."""
    suffix, decompresses = COMPRESSORS[name]

    def run(args: list[str], ctx: Ctx) -> None:
        parsed = options(args, GZIP_SPEC)
        if parsed.has("-c", "--stdout", "-t", "--test", "-l", "--list"):
            return
        ending = parsed.value("-S", "--suffix") or suffix
        decompress = decompresses or parsed.has("-d", "--decompress", "--uncompress")
        for path in parsed.positionals:
            if path == "-":
                continue
            if not decompress:
                output = path + ending
            elif path.endswith(ending):
                output = path[: -len(ending)]
            elif name.endswith("gzip") or name == "gunzip":
                output = path[:-4] + ".tar" if path.endswith(".tgz") else path
            else:
                output = path
            ctx.hit("write", f"{name} -d" if decompress and not decompresses else name, output)
            if not parsed.has("-k", "--keep"):
                ctx.hit("delete", name, path)

    return run


def _unzip(args: list[str], ctx: Ctx) -> None:
    """`unzip ARCHIVE [MEMBER...] [-d DIR]` writes under DIR (here by default): the named
    members there, or, with none or a pattern, the directory as a whole."""
    directory, words, flags = ".", [], ""
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "-d" or (arg.startswith("-d") and len(arg) > 2):
            directory = arg[2:] or (args[at] if at < len(args) else ".")
            at += arg == "-d"
        elif arg == "-x":
            while at < len(args) and not args[at].startswith("-"):
                at += 1
        elif arg.startswith("-") and len(arg) > 1:
            flags += arg[1:]
        else:
            words.append(arg)
    if any(c in flags for c in "lptvzZc") or not words:
        return  # lists, tests or prints: writes nothing
    members = words[1:]
    if not members or any(c in m for m in members for c in "*?["):
        ctx.hit("write", "unzip", directory if directory.endswith("/") else directory + "/")
    for member in members:
        if not any(c in member for c in "*?["):
            ctx.hit("write", "unzip", os.path.join(directory, member))


def _ed(args: list[str], ctx: Ctx) -> None:
    """`ed FILE` edits the file with commands from its input: judged as a write."""
    for path in options(args, Spec("p", "", ("--prompt",))).positionals:
        if not path.startswith("!"):
            ctx.hit("write", "ed", path)


VIM_SPEC = Spec(
    "cSsuUiTwWtqr",
    "",
    ("--cmd", "--servername", "--startuptime", "--log", "--remote", "--remote-send"),
)
EX_SPEC = Spec(VIM_SPEC.short.replace("s", ""), "", tuple(VIM_SPEC.long))
VIM_SCRIPTED = ("-c", "--cmd", "-S", "-s", "-e", "-E")


def _vim(name: str) -> Callable[[list[str], Ctx], None]:
    """vim/vi/nvim with commands (`-c wq`, `+cmd`, `-s`, ex mode) and ex: the files they
    open are judged as written."""

    def run(args: list[str], ctx: Ctx) -> None:
        plus = [a for a in args if a.startswith("+")]
        # in ex mode (-e, -es, ex) -s is silent mode and takes no value
        words = ["-e" if a in ("-es", "-Es") else a for a in args if not a.startswith("+")]
        parsed = options(words, EX_SPEC if name == "ex" else VIM_SPEC)
        scripted = name == "ex" or bool(plus) or parsed.has(*VIM_SCRIPTED)
        if scripted and not parsed.has("--version", "-h", "--help"):
            for path in parsed.positionals:
                if path != "-":
                    ctx.hit("write", name, path)

    return run


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
    "awk": _awk,
    "gawk": _awk,
    "rsync": _rsync,
    "split": _split,
    **{name: _compressor(name) for name in COMPRESSORS},
    "unzip": _unzip,
    "ed": _ed,
    **{name: _vim(name) for name in ("vim", "vi", "nvim", "ex")},
    "dd": _dd,
    "curl": _download("o", "--output"),
    "wget": _download("O", "--output-document"),
    **{name: _apply_patch for name in PATCH_NAMES},
}
