"""Git hook entry points (run by the shims), the shim installer, and agent hooks."""
