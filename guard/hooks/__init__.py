"""Git hook entry points (run by the shims) and the shim installer."""
