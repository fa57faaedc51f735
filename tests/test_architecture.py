"""The house rules, checked on the source: every import points down, no cycles, no file over 400 lines.

Imports inside functions count too (a late import is still a dependency); `if TYPE_CHECKING:` blocks do not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = ("firmware", "screens", "hw", "province", "provisioning")
MAX_LINES = 400

# What each floor may import of the project (its own floor always). Order is top to bottom.
FIRMWARE_BELOW = ("link", "services", "devices", "chip", "render", "rules", "common", "runtime")
ALLOWED: dict[str, tuple[str, ...]] = {
    "firmware.cli": ("firmware", "screens", "hw", "province", "provisioning"),
    "firmware.app": (*(f"firmware.{p}" for p in FIRMWARE_BELOW), "screens", "hw"),
    "screens": ("firmware.services", "firmware.chip", "firmware.render", "firmware.rules", "firmware.common",
                "firmware.runtime"),
    "firmware.link": ("firmware.services", "firmware.rules", "firmware.common", "firmware.runtime"),
    "firmware.services": ("firmware.devices", "firmware.chip", "firmware.render", "firmware.rules", "firmware.common",
                          "firmware.runtime", "hw.errors"),
    "firmware.devices": ("firmware.chip", "firmware.render", "firmware.rules", "firmware.common", "firmware.runtime",
                         "hw"),
    "firmware.chip": ("firmware.rules", "firmware.common"),  # the ID card's protocol: APDUs, no device
    "firmware.render": ("firmware.rules", "firmware.common", "firmware.runtime"),
    "firmware.rules": ("firmware.common",),
    "firmware.common": (),
    "firmware.runtime": ("hw",),  # config validation reads each hw module's BACKENDS
    "hw": (),
    "province": ("firmware.common",),
    "provisioning": (),
}
# Libraries that belong to one floor: the screens never touch a device, the broker or the disk.
FORBIDDEN_LIBRARIES = {
    "screens": ("paho", "serial", "escpos", "gpiozero", "sqlite3", "picamera2", "zxingcpp", "pyzbar"),
}
PAHO_ON_THE_KIOSK = "firmware.link"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(p for top in PROJECT for p in (REPO / top).rglob("*.py"))


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, `from a import b` giving `a.b` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = any((REPO / Path(*candidate.split("."))).with_suffix(suffix).exists()
                                for suffix in (".py", ""))
                yield node.lineno, candidate if is_module else node.module


def floor_of(module: str) -> str | None:
    """The longest rule key that the module falls under."""
    keys = [k for k in ALLOWED if module == k or module.startswith(k + ".")]
    return max(keys, key=len) if keys else None


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layering_violations() -> list[str]:
    found = []
    for path in source_files():
        here = module_name(path)
        floor = floor_of(here)
        if floor is None:
            continue  # firmware/__init__, __main__: the package's own entry
        for line, imported in imports_of(path):
            top = imported.split(".")[0]
            where = f"{path.relative_to(REPO)}:{line}"
            if top in FORBIDDEN_LIBRARIES.get(floor.split(".")[0], ()):
                found.append(f"{where}: {here} imports {imported}")
            if top == "paho" and here.startswith("firmware.") and not within(here, (PAHO_ON_THE_KIOSK,)):
                found.append(f"{where}: only {PAHO_ON_THE_KIOSK} speaks MQTT on the kiosk, not {here}")
            if top not in PROJECT:
                continue
            if within(imported, (floor,)) or within(imported, ALLOWED[floor]):
                continue
            found.append(f"{where}: {here} ({floor}) imports {imported}, which is not below it")
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in source_files()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for _line, imported in imports_of(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_import_points_down() -> None:
    assert layering_violations() == []


def test_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None


def test_no_file_over_400_lines() -> None:
    tops = (*PROJECT, "tests", "bench")
    long = [f"{p.relative_to(REPO)} ({n} lines)" for top in tops for p in sorted((REPO / top).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert long == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """An upward import, a cycle and a screen that opens the database are each caught."""
    for folder in ("hw", "screens", "firmware/common", "province"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "hw" / "cam.py").write_text("from firmware.common import a\n")
    (tmp_path / "screens" / "s.py").write_text("import sqlite3\nfrom hw import cam\n")
    (tmp_path / "firmware" / "common" / "a.py").write_text("from firmware.common import b\n")
    (tmp_path / "firmware" / "common" / "b.py").write_text("from firmware.common import a\n")
    (tmp_path / "province" / "p.py").write_text("from firmware.runtime import clock\n")
    globals()["REPO"] = tmp_path
    try:
        problems = layering_violations()
        cycle = find_cycle(import_graph())
    finally:
        globals()["REPO"] = Path(__file__).resolve().parent.parent
    assert any("hw.cam (hw) imports firmware.common.a" in p for p in problems)
    assert any("screens.s imports sqlite3" in p for p in problems)
    assert any("screens.s (screens) imports hw.cam" in p for p in problems)
    assert any("province.p (province) imports firmware.runtime" in p for p in problems)
    assert cycle == ["firmware.common.a", "firmware.common.b", "firmware.common.a"]


def test_the_routing_table_in_the_docs_is_the_one_the_kiosk_is_built_with(tmp_path: Path) -> None:
    from firmware.app.compose import build
    from firmware.runtime.clock import VirtualClock
    from firmware.runtime.config import parse

    config = parse(f'[outbox]\npath = "{tmp_path / "outbox.db"}"\n[mqtt]\nenabled = true\nport = 1\n')
    app = build(config, clock=VirtualClock(), headless=True)
    try:
        rows = app.router.table()
    finally:
        app.close()
    docs = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for kind, handlers in rows:
        assert f"| `{kind}` | " + " → ".join(f"`{h}`" for h in handlers) + " |" in docs
    assert any(kind == "print_result" and len(handlers) == 3 for kind, handlers in rows)
