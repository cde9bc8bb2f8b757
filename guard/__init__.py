"""session-guard: enforce and audit declared read-only sessions in git repositories."""

__version__ = "0.2.0"
