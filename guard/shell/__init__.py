"""Shell screening: what the text of a shell command would do that a session may forbid.

`parse` turns the text into commands, `options` splits their arguments, `screen`
follows the shell's structure and dispatches each command to its rule (`files`,
`git`). Pure and self-contained: it reads no files and imports nothing of the
agent hook, which judges the hits against the session.
"""
