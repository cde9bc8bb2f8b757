"""Shell screening: what the text of a shell command would do that a session may forbid.

`parse` turns the text into commands, `options` splits their arguments, `screen`
follows the shell's structure and dispatches each command to its rule (`files`,
`git`). Pure and self-contained: it reads no files and imports nothing of the
agent hook, which judges the hits against the session.

What screening cannot see: it reads the command text, not what programs do. An
interpreter running code (`python -c "open('src/x.py','w')"`, `node -e`, a
script, `make`), tools that rewrite files themselves (formatters with `--fix`,
code generators, `git apply`, `patch`, `tar -x`, `find -delete`), aliases (git's
and the shell's) and paths built from variables or command output (`> "$F"`) are
not judged. The commit layers still judge every commit such a write ends up in
(`pre-commit`, and `reference-transaction` even with `--no-verify`), and
`guard audit` lists it afterwards, committed or not.
"""
