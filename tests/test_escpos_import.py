"""python-escpos is imported with its printer database's pickle kept in the kiosk's cache: each process after the
first loads the pickle instead of parsing 2.9 MB of YAML, no process leaves a temporary directory behind, and a
broken or unwritable cache costs only time."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from hw.escpos_import import pickle_name

REPO = Path(__file__).resolve().parent.parent
# Prints how escpos got its database: its own debug log says "from pickle" or "Loading and pickling".
IMPORT = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
from hw.escpos_import import printer_module
printer_module().Dummy(profile="TM-T88V").text("ok")
"""


def _import(home: Path, **env: str) -> str:
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    unset = ("CACHE_DIRECTORY", "ESCPOS_CAPABILITIES_PICKLE_DIR")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(XDG_CACHE_HOME=str(home / "cache"), TMPDIR=str(tmp), **env)
    done = subprocess.run([sys.executable, "-c", IMPORT], cwd=REPO, env=environment, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_the_second_process_loads_the_kept_pickle_and_nothing_is_left_in_tmp(tmp_path: Path) -> None:
    first = _import(tmp_path)
    assert "Loading and pickling capabilities" in first
    kept = tmp_path / "cache" / "motcua" / pickle_name()
    assert "profiles" in pickle.loads(kept.read_bytes())
    second = _import(tmp_path)
    assert "Loading capabilities from pickle" in second and "Loading and pickling" not in second
    assert list((tmp_path / "tmp").iterdir()) == []
    assert [p.name for p in kept.parent.iterdir()] == [pickle_name()]  # the private directory is gone


def test_a_pickle_cut_short_is_made_again(tmp_path: Path) -> None:
    kept = tmp_path / "cache" / "motcua" / pickle_name()
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"\x80\x02}q\x00(X")  # a power cut in the middle of writing it
    said = _import(tmp_path)
    assert "making it again" in said
    assert "profiles" in pickle.loads(kept.read_bytes())


def test_systemds_cache_directory_is_used_first(tmp_path: Path) -> None:
    unit_cache = tmp_path / "var-cache-motcua"
    unit_cache.mkdir()
    _import(tmp_path, CACHE_DIRECTORY=str(unit_cache))
    assert (unit_cache / pickle_name()).exists()
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache directory should be")
    said = _import(tmp_path)
    assert "no cache for the printer database" in said
    assert list((tmp_path / "tmp").iterdir()) == []
