"""Every benchmark row in one run and one table: the hot paths (a commit, `guard check
--staged`, the agent hook) and the audit in each of its modes, each against its floor.

Usage:
    python bench/run.py [--quick] [--runs N] [--audit-runs N] [--sizes 300,3000]
                        [--keep] [--workdir DIR]

Run it with the Python whose environment has session-guard installed (its `guard`
script is what is timed). --quick runs fewer rounds and smaller audit sessions.
See bench/README.md for what each row measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bench_agent
import bench_audit
import bench_hooks
import workspace
from timing import Row
from workspace import Plan, Workspace


def all_rows(ws: Workspace, origin: Path, plan: Plan) -> list[Row]:
    return [
        *bench_hooks.check_rows(ws, origin, plan),
        *bench_agent.agent_rows(ws, origin, plan),
        *bench_audit.audit_rows(ws, origin, plan),
    ]


if __name__ == "__main__":
    sys.exit(workspace.main(__doc__, "guard-bench-", all_rows))
