"""Command-line options as getopt_long and git's parse-options split them: `Spec`, `options`."""

from __future__ import annotations


class Spec:
    """Which options of a command take a value: short ones (`-m msg`, `-mmsg`),
    short ones whose value can only be attached (`-S<key>`), long ones (`--file F`)."""

    __slots__ = ("long", "optional", "short")

    def __init__(self, short: str = "", optional: str = "", long: tuple[str, ...] = ()) -> None:
        self.short = short
        self.optional = optional
        self.long = frozenset(long)


class Parsed:
    __slots__ = ("dashdash", "flags", "positionals", "values")

    def __init__(self) -> None:
        self.flags: list[str] = []  # every option seen: "-n", "--force-with-lease"
        self.values: dict[str, list[str]] = {}
        self.positionals: list[str] = []
        self.dashdash: int | None = None  # how many positionals came before `--`

    def value(self, *names: str) -> str | None:
        for name in names:
            if name in self.values:
                return self.values[name][-1]
        return None

    def has(self, *names: str) -> bool:
        return any(name in self.flags for name in names)


def options(args: list[str], spec: Spec, permute: bool = True) -> Parsed:
    """Split arguments as getopt_long and git's parse-options do; `permute` False stops
    at the first positional (bash, env, sudo: the rest belongs to the command)."""
    parsed = Parsed()
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--":
            parsed.dashdash = len(parsed.positionals)
            parsed.positionals.extend(args[at:])
            break
        if arg.startswith("--"):
            at = _long_option(arg, args, at, spec, parsed)
        elif arg.startswith("-") and len(arg) > 1:
            at = _short_options(arg, args, at, spec, parsed)
        else:
            parsed.positionals.append(arg)
            if not permute:
                parsed.positionals.extend(args[at:])
                break
    return parsed


def _long_option(arg: str, args: list[str], at: int, spec: Spec, parsed: Parsed) -> int:
    name, eq, value = arg.partition("=")
    parsed.flags.append(name)
    if eq:
        parsed.values.setdefault(name, []).append(value)
    elif name in spec.long and at < len(args):
        parsed.values.setdefault(name, []).append(args[at])
        return at + 1
    return at


def _short_options(arg: str, args: list[str], at: int, spec: Spec, parsed: Parsed) -> int:
    for index, char in enumerate(arg[1:], 2):
        flag = "-" + char
        parsed.flags.append(flag)
        rest = arg[index:]
        if char in spec.short:
            if not rest and at < len(args):
                rest, at = args[at], at + 1
            parsed.values.setdefault(flag, []).append(rest)
            return at
        if char in spec.optional:
            if rest:
                parsed.values.setdefault(flag, []).append(rest)
            return at
    return at
