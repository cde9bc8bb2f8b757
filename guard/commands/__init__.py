"""The guard's commands, one module each: plain typed arguments in, an exit code out.

`guard/cli.py` parses the command line with click and calls these; they never
import click, and their errors (GuardError) reach `guard.errors.boundary`.
"""
