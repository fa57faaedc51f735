"""Importing python-escpos once per process, quickly, and without leaving anything behind.

On import, escpos reads its printer database: a 2.9 MB YAML file, parsed in pure Python (about 0.3 s here, some
seconds on a Pi Zero), unless it finds the pickle it wrote last time. It looks for that pickle in
`$ESCPOS_CAPABILITIES_PICKLE_DIR`, by default a new temporary directory each process: so every start parsed the
YAML again and left a directory with a pickle behind. Here the pickle is kept in the kiosk's cache directory,
written in a private directory first and moved into place whole, so a process starting at the same moment never
reads half a pickle, and one broken by a power cut is thrown away and made again.
"""

from __future__ import annotations

import importlib
import logging
import os
import platform
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

log = logging.getLogger("motcua.printer")

PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_lock = threading.Lock()


def cache_dir() -> Path:
    """systemd's CacheDirectory= when run by the unit, else the user's cache."""
    if os.environ.get("CACHE_DIRECTORY"):
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "motcua"


def pickle_name() -> str:
    return f"{platform.python_version()}.capabilities.pickle"  # escpos's own name for it


def printer_module() -> ModuleType:
    """`escpos.printer`, imported with its capabilities pickle kept in `cache_dir()`."""
    with _lock:
        if "escpos.capabilities" in sys.modules or os.environ.get(PICKLE_DIR_ENV):
            return importlib.import_module("escpos.printer")  # imported, or placed by whoever runs us
        try:
            return _import_with_cache(cache_dir())
        except OSError as exc:  # no cache to keep it in: parse the YAML, in a directory removed after
            log.warning("no cache for the printer database (%s): it is read in full at every start", exc)
            with tempfile.TemporaryDirectory(prefix="motcua-escpos-") as fresh:
                return _import_from(fresh)


def _import_with_cache(cache: Path) -> ModuleType:
    cache.mkdir(parents=True, exist_ok=True)
    kept = cache / pickle_name()
    if kept.exists():
        try:
            return _import_from(str(cache))
        except Exception as exc:  # a pickle cut short by a power cut, or from another escpos
            log.warning("the kept printer database could not be read (%s): making it again", type(exc).__name__)
            kept.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix=".escpos-", dir=cache) as fresh:
        module = _import_from(fresh)
        made = Path(fresh) / pickle_name()
        with made.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(made, kept)
    return module


def _import_from(directory: str) -> ModuleType:
    """escpos with its pickle in `directory`. It also makes a temporary directory on import even when told where
    its pickle is (the default of its `environ.get` is evaluated first): that one is made in a scratch directory
    of ours, removed after. Only the command line's start uses tempfile besides, never at the same moment."""
    with tempfile.TemporaryDirectory(prefix="motcua-escpos-") as scratch:
        saved, tempfile.tempdir = tempfile.tempdir, scratch
        os.environ[PICKLE_DIR_ENV] = directory
        try:
            return importlib.import_module("escpos.printer")
        finally:
            del os.environ[PICKLE_DIR_ENV]
            tempfile.tempdir = saved
