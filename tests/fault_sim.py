"""`motcua` with one fault injected, for the kill -9 tests: the process SIGKILLs itself right after a dossier's
outbox commit, before its slip is queued, exactly where a power cut would hurt most. Test-only: the product has
no such switch. Usage: python -m tests.fault_sim <motcua arguments>."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from firmware.cli.main import main
from firmware.services.submission import SubmissionService


def kill_after_commit(self: SubmissionService, record: dict[str, Any]) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    SubmissionService.committed = kill_after_commit  # type: ignore[method-assign]
    raise SystemExit(main(sys.argv[1:]))
