"""`make bench`: every benchmark in a fresh process of its own (no threads, caches or memory left over from another
one), its figures collected, compared with the goals, and `bench/out/results.json` written anew."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import results
from bench.process import KIOSK_PYTHON

MODULES = ("frames", "keys", "qr", "process", "layers", "sessions", "pages", "link", "outbox_scale", "taps", "chip",
           "fleet")
REPO = Path(__file__).resolve().parent.parent
# The benchmarks whose own process is the kiosk measured run Python as the unit does (bench/process.py and
# bench/sessions.py start their kiosks so); the others check their figures with asserts, which it would drop.
MEASURES_ITSELF_AS_A_KIOSK = ("layers",)


def run_one(name: str) -> dict[str, float]:
    """Run bench/<name>.py's `run()` in a new interpreter; its figures, or {} (said) when it failed."""
    code = f"import json, sys; from bench import {name}; print('BENCH ' + json.dumps({name}.run()), flush=True)"
    env = {**os.environ, **KIOSK_PYTHON} if name in MEASURES_ITSELF_AS_A_KIOSK else None
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=3600,
                          env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    for line in done.stdout.splitlines():
        if not line.startswith("BENCH "):
            print(f"  {name}: {line}")
    if done.returncode != 0 or not lines:
        print(f"bench/{name}.py failed (exit {done.returncode}): {done.stderr[-2000:]}", file=sys.stderr)
        return {}
    return dict(json.loads(lines[-1][len("BENCH "):]))


def main(names: list[str]) -> int:
    figures: dict[str, float] = {}
    failed = []
    for name in names or MODULES:
        print(f"bench/{name}.py ...", flush=True)
        found = run_one(name)
        failed += [] if found else [name]
        figures.update(found)
    results.save(figures)
    print(results.table(figures))
    print(f"written: {results.OUT} ({len(figures)} figures)" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
