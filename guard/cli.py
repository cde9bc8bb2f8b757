"""click commands: parse, call, render, and map errors to exit codes."""

from __future__ import annotations

import json
import os
import posixpath
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import click

from guard import __version__, gitio
from guard.errors import EXIT_INTERNAL, EXIT_OK, GuardError, PolicyError, Problem, UsageError
from guard.policy import Policy, effective_policy_path, load_policy


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run a command and exit with the SPEC's exit code."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="guard", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("guard: aborted", err=True)
        return 1
    except GuardError as exc:
        click.echo(exc.render(), err=True)
        return exc.exit_code
    except Exception as exc:
        click.echo(
            f"guard: internal error (this is a bug in session-guard {__version__}, "
            f"please report it): {type(exc).__name__}: {exc}",
            err=True,
        )
        if os.environ.get("GUARD_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="session-guard")
def cli() -> None:
    """session-guard: make a declared read-only session enforceable and auditable."""


# --------------------------------------------------------------------------- classify


def _policy_for(policy_file: Path | None, root: Path | None) -> Policy:
    path = policy_file if policy_file is not None else effective_policy_path(root)
    return load_policy(path, root)


def _read_stdin(nul: bool) -> list[str]:
    data = sys.stdin.buffer.read()
    parts = data.split(b"\0" if nul else b"\n")
    return [os.fsdecode(part) for part in parts if part]


def _repo_path(arg: str, location: gitio.Location | None) -> str:
    """A command-line path (relative to the current directory) as a repo-relative path."""
    if location is None:
        if arg.startswith("/"):
            raise UsageError(f"{arg!r}: an absolute path needs a repository to be relative to")
        joined = arg
    elif Path(arg).is_absolute():
        joined = os.path.relpath(arg, location.root)
    else:
        joined = location.prefix + arg
    norm = posixpath.normpath(joined)
    if norm in (".", "..") or norm.startswith("../"):
        raise UsageError(f"{arg!r} is outside the repository")
    return norm


def quote_path(path: str) -> str:
    """C-style quoting for paths with control characters, as git's core.quotePath does."""
    if path.isprintable() and '"' not in path and "\\" not in path:
        return path
    out = []
    for char in path:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t":
            out.append("\\t")
        elif char == "\n":
            out.append("\\n")
        elif char.isprintable():
            out.append(char)
        else:
            out.extend(f"\\{byte:03o}" for byte in os.fsencode(char))
    return '"' + "".join(out) + '"'


def _write(out: IO[bytes], text: str) -> None:
    out.write(os.fsencode(text))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read paths from standard input.")
@click.option("-z", "nul", is_flag=True, help="NUL-separated input and output.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this policy instead of .guard.yaml or the shipped default.",
)
def classify(
    paths: tuple[str, ...], from_stdin: bool, nul: bool, as_json: bool, policy_file: Path | None
) -> int:
    """Print each PATH's category and the rule that decided it."""
    from guard.classify import Classifier

    if nul and not from_stdin:
        raise UsageError("-z needs --stdin (it sets how paths are separated there)")
    if not paths and not from_stdin:
        raise UsageError("give paths to classify, or --stdin to read them")
    location = gitio.locate()
    classifier = Classifier(_policy_for(policy_file, location.root if location else None))
    given = list(paths) + (_read_stdin(nul) if from_stdin else [])
    results = [(path, classifier.classify(_repo_path(path, location))) for path in given]
    out = sys.stdout.buffer
    if as_json:
        rows = [{"path": p, "category": d.category, "rule": d.rule} for p, d in results]
        _write(out, json.dumps(rows, indent=2) + "\n")
    elif nul:
        for path, decision in results:
            _write(out, f"{path}\0{decision.category}\0{decision.rule or ''}\0")
    else:
        width = max((len(d.category) for _, d in results), default=0)
        for path, decision in results:
            rule = decision.rule or "default"
            _write(out, f"{decision.category:<{width}}  {quote_path(path)}  ({rule})\n")
    out.flush()
    return EXIT_OK


# --------------------------------------------------------------------------- policy


@cli.group()
def policy() -> None:
    """Validate and show policies."""


@policy.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def policy_check(files: tuple[Path, ...]) -> int:
    """Validate policy FILES (default: the repository's effective policy)."""
    location = gitio.locate()
    root = location.root if location else None
    problems: list[Problem] = []
    for path in files or (effective_policy_path(root),):
        try:
            loaded = load_policy(path, root)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        modes = ", ".join(loaded.modes) or "none"
        click.echo(
            f"ok: {' -> '.join(reversed(loaded.sources))}: {len(loaded.patterns)} patterns, "
            f"categories {', '.join(loaded.categories)}, modes {modes}"
        )
    if problems:
        raise PolicyError(problems)
    return EXIT_OK


def _policy_data(loaded: Policy) -> dict[str, Any]:
    return {
        "sources": list(loaded.sources),
        "categories": list(loaded.categories),
        "default": loaded.default,
        "modes": {name: list(allowed) for name, allowed in loaded.modes.items()},
        "rules": [
            {"category": p.category, "pattern": p.text, "rule": p.rule} for p in loaded.patterns
        ],
    }


def _policy_lines(loaded: Policy) -> Iterable[str]:
    yield f"# resolved from {' -> '.join(loaded.sources)} (last matching rule wins)"
    yield f"categories: {', '.join(loaded.categories)}"
    yield f"default: {loaded.default}"
    yield "modes:"
    for name, allowed in loaded.modes.items():
        yield f"  {name}: {', '.join(allowed) or '(nothing)'}"
    yield "rules:"
    width = max((len(p.category) for p in loaded.patterns), default=0)
    for p in loaded.patterns:
        yield f"  {p.category:<{width}}  {p.text:<32}  {p.file}:{p.line}"


@policy.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved policy as JSON.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show this policy instead of the repository's effective one.",
)
def policy_show(as_json: bool, policy_file: Path | None) -> int:
    """Print the resolved policy: categories, default, modes and every rule in order."""
    location = gitio.locate()
    loaded = _policy_for(policy_file, location.root if location else None)
    if as_json:
        click.echo(json.dumps(_policy_data(loaded), indent=2))
    else:
        for line in _policy_lines(loaded):
            click.echo(line)
    return EXIT_OK
