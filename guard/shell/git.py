"""The screening rules of git: its global options, then one rule per subcommand.

They record what bypasses the guard (`--no-verify`, `core.hooksPath`, `update-ref`,
force pushes, erasing the reflog), moves HEAD or a branch (`reset`, `checkout`,
`switch`: the judge asks git where to), and which paths `git rm` and `git mv` touch.
"""

from __future__ import annotations

from guard.shell.files import source_names
from guard.shell.options import Parsed, Spec, options
from guard.shell.parse import join_dir

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from guard.shell.screen import Ctx

GIT_VALUE_GLOBALS = frozenset(
    {"--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds", "--attr-source"}
)


def _git(args: list[str], ctx: Ctx) -> None:
    scope = ctx.fork()
    git_dir = ""
    at = 0
    while at < len(args) and args[at].startswith("-"):
        arg = args[at]
        value = args[at + 1] if at + 1 < len(args) else ""
        name, eq, attached = arg.partition("=")
        if arg == "-C":
            scope.cwd = join_dir(scope.cwd, value)
        elif arg == "-c" or arg == "--config-env":
            _git_config_entry(value, scope, arg)
        elif name == "--config-env" and eq:
            _git_config_entry(attached, scope, name)
        elif name == "--git-dir":
            git_dir = attached if eq else value
        at += 2 if arg in ("-C", "-c", "--config-env") or (arg in GIT_VALUE_GLOBALS) else 1
    if scope.cwd != ctx.cwd:
        scope.hit("where", "git -C")
    if at < len(args):
        handler = SUBCOMMANDS.get(args[at])
        if handler is not None:
            handler(args[at + 1 :], scope, git_dir)


HOOKS_KEY = "core.hookspath"


def _config_key_danger(key: str) -> str | None:
    key = key.strip().lower()
    if key == HOOKS_KEY:
        return "makes git run other hooks than the guard's"
    if key == "core.logallrefupdates":
        return "keeps git from recording ref updates (the pushes the audit reads)"
    if key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")):
        return "pulls in a configuration file, which can point git at other hooks"
    return None


def _git_config_entry(entry: str, scope: Ctx, option: str) -> None:
    key = entry.partition("=")[0]
    danger = _config_key_danger(key)
    if danger is not None:
        scope.hit("bypass", f"`git {option} {key}=...` {danger}")


def _no_verify(parsed: Parsed) -> bool:
    # parse-options accepts unambiguous prefixes; an ambiguous one makes git fail anyway
    return any(len(f) >= 6 and "--no-verify".startswith(f) for f in parsed.flags)


COMMIT_SPEC = Spec(
    "CcFmt",
    "uS",
    (
        "--message", "--file", "--template", "--author", "--date", "--reuse-message",
        "--reedit-message", "--fixup", "--squash", "--cleanup", "--trailer",
        "--pathspec-from-file",
    ),
)  # fmt: skip
MERGE_SPEC = Spec(
    "mFsX", "S", ("--message", "--file", "--strategy", "--strategy-option", "--into-name")
)
PUSH_SPEC = Spec("o", "", ("--repo", "--receive-pack", "--exec", "--push-option"))


def _git_commit(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, COMMIT_SPEC)
    if parsed.has("-n") or _no_verify(parsed):
        scope.hit("bypass", "`git commit --no-verify` skips the guard's pre-commit hook", git_dir)


def _git_merge(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, MERGE_SPEC)
    if _no_verify(parsed):  # here -n means --no-stat
        scope.hit("bypass", "`git merge --no-verify` skips the guard's commit hooks", git_dir)
    if parsed.has("--squash"):
        scope.hit("bypass", f"`git merge --squash` {UNSEEN_WRITE}", git_dir)


def _git_push(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, PUSH_SPEC)  # here -n means --dry-run
    if _no_verify(parsed):
        scope.hit("bypass", "`git push --no-verify` skips the guard's pre-push hook", git_dir)
    forced = parsed.has("-f", "--force", "--mirror", "--force-if-includes") or any(
        f.startswith("--force-with-lease") for f in parsed.flags
    )
    if forced or any(p.startswith("+") for p in parsed.positionals):
        scope.hit("bypass", "a force push rewrites the remote's history", git_dir)


def _git_update_ref(args: list[str], scope: Ctx, git_dir: str) -> None:
    scope.hit(
        "bypass",
        "`git update-ref` moves a ref directly, past the checks commits and merges get",
        git_dir,
    )


def _git_send_pack(args: list[str], scope: Ctx, git_dir: str) -> None:
    scope.hit(
        "bypass",
        "`git send-pack` pushes without the guard's pre-push hook (use git push)",
        git_dir,
    )


def _git_symbolic_ref(args: list[str], scope: Ctx, git_dir: str) -> None:
    """Reading a symbolic ref, deleting one, or pointing HEAD at a branch (a checkout)
    is fine; making a branch an alias of another ref, or HEAD of a ref that is no
    branch, changes what it holds where git 2.39 runs no hook."""
    parsed = options(args, Spec("m"))
    names = parsed.positionals
    if parsed.has("-d", "--delete") or len(names) < 2:
        return
    if names[0] == "HEAD" and names[1].startswith("refs/heads/"):
        return
    scope.hit(
        "bypass",
        f"`git symbolic-ref {names[0]}` makes it an alias of {names[1]}, past the checks "
        "a branch update gets",
        git_dir,
    )


def _git_reflog(args: list[str], scope: Ctx, git_dir: str) -> None:
    if args[:1] in (["expire"], ["delete"]):
        scope.hit("bypass", f"`git reflog {args[0]}` erases history the audit reads", git_dir)


def _git_reset(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, Spec("", "", ("--pathspec-from-file",)))
    revs = parsed.positionals if parsed.dashdash is None else parsed.positionals[: parsed.dashdash]
    if len(revs) != 1 or len(parsed.positionals) != 1 or revs[0] in ("HEAD", "@"):
        return  # no commit named, or a reset of paths in the index
    hard = parsed.has("--hard", "--keep", "--merge")
    what = "git reset --hard" if hard else "git reset"
    scope.hit("reset-hard" if hard else "reset", what, revs[0])


CHECKOUT_SPEC = Spec("bB", "", ("--orphan", "--conflict", "--pathspec-from-file"))
SWITCH_SPEC = Spec("cC", "", ("--orphan", "--conflict", "--create", "--force-create"))


def _git_checkout(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, CHECKOUT_SPEC)
    positionals = parsed.positionals
    if not positionals:
        return
    starts = parsed.value("-b", "-B", "--orphan") is not None or parsed.has("-d", "--detach")
    if parsed.dashdash == 0:
        return  # `git checkout -- PATH`: restores from the index, which the hooks judged
    if parsed.dashdash is None and (starts or len(positionals) == 1):
        scope.hit("checkout", "git checkout", positionals[0])
        return
    # `git checkout REV -- PATH...` or `git checkout REV PATH...`: writes those paths
    paths = positionals[1:]
    if not paths:
        scope.hit("checkout", "git checkout", positionals[0])  # `git checkout REV --`
    for path in paths:
        scope.hit("write", f"git checkout {positionals[0]} --", path)


RESTORE_SPEC = Spec("s", "", ("--source", "--conflict", "--pathspec-from-file"))


def _git_restore(args: list[str], scope: Ctx, git_dir: str) -> None:
    """`git restore --source=REV PATH...` writes the paths with another commit's content
    (without a source it restores from the index, which the hooks judged)."""
    parsed = options(args, RESTORE_SPEC)
    source = parsed.value("-s", "--source")
    staged_only = parsed.has("-S", "--staged") and not parsed.has("-W", "--worktree")
    if source is None or staged_only:
        return
    for path in parsed.positionals:
        scope.hit("write", f"git restore --source={source}", path)


UNSEEN_WRITE = (
    "writes the working tree with changes the screening cannot see; commit them normally "
    "so the hooks judge them"
)
PICK_SPEC = Spec("mX", "S", ("--mainline", "--strategy", "--strategy-option", "--cleanup"))


def _picker(name: str) -> Callable[[list[str], Ctx, str], None]:
    """cherry-pick and revert: with -n/--no-commit they leave their changes uncommitted."""

    def run(args: list[str], scope: Ctx, git_dir: str) -> None:
        parsed = options(args, PICK_SPEC)
        if parsed.has("-n", "--no-commit"):
            scope.hit("bypass", f"`git {name} --no-commit` {UNSEEN_WRITE}", git_dir)

    return run


def _git_stash(args: list[str], scope: Ctx, git_dir: str) -> None:
    if args[:1] in (["apply"], ["pop"], ["branch"]):
        scope.hit("bypass", f"`git stash {args[0]}` {UNSEEN_WRITE}", git_dir)


def _git_switch(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, SWITCH_SPEC)
    if parsed.positionals:
        scope.hit("checkout", "git switch", parsed.positionals[0])


CONFIG_SPEC = Spec("f", "", ("--file", "--blob", "--type", "--default", "--comment", "--value"))
CONFIG_READS = frozenset(
    {"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l", "--get-color"}
)
CONFIG_VERBS = frozenset(
    {"set", "unset", "get", "list", "edit", "rename-section", "remove-section"}
)


def _config_verb(parsed: Parsed) -> tuple[str, list[str]]:
    words = parsed.positionals
    if words and words[0] in CONFIG_VERBS:  # git 2.46's `git config set KEY VALUE`
        return words[0], words[1:]
    for flag in ("--unset", "--unset-all", "--rename-section", "--remove-section"):
        if parsed.has(flag):
            return flag.lstrip("-").replace("-all", ""), words
    if parsed.has(*CONFIG_READS):
        return "get", words
    setting = len(words) >= 2 or parsed.has("--add", "--replace-all")
    return ("set" if setting else "get"), words


# Sections a session may still write: who commits, and how output is coloured. Every
# other write can change what git runs (core.hooksPath, core.fsmonitor, alias.*,
# diff.external, *.textconv) or what it shows the audit (log.*, diff.*, core.*).
HARMLESS_SECTIONS = ("user", "color")


def _harmless(key: str) -> bool:
    return key.strip().lower().split(".")[0] in HARMLESS_SECTIONS and "." in key


def _git_config(args: list[str], scope: Ctx, git_dir: str) -> None:
    """During a session `git config` may read anything but write only user.* and color.*:
    an edit (`-e`, `edit`) or the write of any other key, in any file (`--file`
    included), is refused."""
    parsed = options(args, CONFIG_SPEC)
    verb, words = _config_verb(parsed)
    if verb == "edit" or parsed.has("-e", "--edit"):
        scope.hit("bypass", "`git config --edit` can change any setting, hooks included", git_dir)
        return
    if not words or verb == "get":
        return
    if verb in ("set", "unset"):
        danger = _config_key_danger(words[0])
        if danger is not None:
            scope.hit("bypass", f"`git config {words[0]}` {danger}", git_dir)
        elif not _harmless(words[0]):
            scope.hit("bypass", f"`git config {words[0]}` {CONFIG_WRITE}", git_dir)
    elif words[0].lower() == "core":
        scope.hit("bypass", f"`git config --{verb} core` drops core.hooksPath", git_dir)
    elif words[0].lower() not in HARMLESS_SECTIONS:
        scope.hit("bypass", f"`git config --{verb} {words[0]}` {CONFIG_WRITE}", git_dir)


CONFIG_WRITE = (
    "changes git's configuration, which decides what git runs and shows: during a session "
    "only user.* and color.* may change"
)
REPLACE_READS = frozenset({"-l", "--list", "--format", "-d", "--delete"})


def _git_replace(args: list[str], scope: Ctx, git_dir: str) -> None:
    """Listing or deleting replacements is fine; creating one makes git show other
    commits than the ones in the repository."""
    parsed = options(args, Spec())
    lists = parsed.has("-l", "--list") or not (parsed.positionals or parsed.flags)
    if parsed.has("-d", "--delete") or (lists and set(parsed.flags) <= REPLACE_READS):
        return
    scope.hit(
        "bypass",
        "`git replace` makes git show other objects in place of the repository's own, "
        "the audit's history included",
        git_dir,
    )


def _git_rm(args: list[str], scope: Ctx, git_dir: str) -> None:
    parsed = options(args, Spec("", "", ("--pathspec-from-file",)))
    if not parsed.has("--cached"):
        for path in parsed.positionals:
            scope.hit("delete", "git rm", path)


def _git_mv(args: list[str], scope: Ctx, git_dir: str) -> None:
    positionals = options(args, Spec()).positionals
    if len(positionals) >= 2:
        for source in positionals[:-1]:
            scope.hit("delete", "git mv", source)
        scope.hit(
            "write", "git mv", positionals[-1], source_names(positionals[:-1]), len(positionals) > 2
        )


SUBCOMMANDS: dict[str, Callable[[list[str], Ctx, str], None]] = {
    "commit": _git_commit,
    "merge": _git_merge,
    "pull": _git_merge,
    "push": _git_push,
    "update-ref": _git_update_ref,
    "send-pack": _git_send_pack,
    "symbolic-ref": _git_symbolic_ref,
    "reflog": _git_reflog,
    "reset": _git_reset,
    "checkout": _git_checkout,
    "switch": _git_switch,
    "restore": _git_restore,
    "cherry-pick": _picker("cherry-pick"),
    "revert": _picker("revert"),
    "stash": _git_stash,
    "config": _git_config,
    "replace": _git_replace,
    "rm": _git_rm,
    "mv": _git_mv,
}

COMMANDS: dict[str, Callable[[list[str], Ctx], None]] = {"git": _git}
