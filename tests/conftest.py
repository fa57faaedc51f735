from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from firmware.app.compose import App, build  # noqa: E402
from firmware.app.sim import Simulator, Step  # noqa: E402
from firmware.rules import i18n  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config, parse  # noqa: E402
from province.broker import Broker  # noqa: E402

from .postgres import PostgresServer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SIZES = [(1080, 1920), (720, 1280), (800, 480)]


@pytest.fixture(autouse=True)
def vietnamese() -> Iterator[None]:
    i18n.set_language("vi")
    yield
    i18n.set_language("vi")


@pytest.fixture
def make_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., App]]:
    made: list[App] = []

    def factory(config_text: str = "", size: tuple[int, int] = (1080, 1920), outbox: Path | None = None) -> App:
        config = parse(config_text) if config_text else Config()
        path = outbox or tmp_path_factory.mktemp("data") / "outbox.db"
        made.append(build(config, clock=VirtualClock(), size=size, headless=True, outbox_path=str(path)))
        return made[-1]

    yield factory
    for app in made:
        app.close()


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture
def sim(app: App) -> Simulator:
    simulator = Simulator(app)
    simulator.settle()
    return simulator


def steps(*pairs: tuple[str, object]) -> list[Step]:
    return [Step(number, name, arg) for number, (name, arg) in enumerate(pairs, start=1)]


def wait_until(condition: Callable[[], bool], seconds: float = 20, step: Callable[[], None] | None = None) -> None:
    """Wait on a condition with a bound (tests never sleep a fixed time); `step` drives the loop meanwhile."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        if step:
            step()
        time.sleep(0.005)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A real mosquitto on a free loopback port, stopped after the test."""
    running = Broker(tmp_path / "broker").start()
    yield running
    running.stop()


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    """A wheelhouse holding one (empty) firmware wheel: enough for provisioning to copy."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    (folder / "motcua-0.1.0-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    return folder


def gateway_config(tmp_path: Path, broker: Broker, store: str = "") -> Path:
    """The gateway's config in `tmp_path`; its store a SQLite file there unless `store` names another."""
    path = tmp_path / "gateway.toml"
    path.write_text(f'[broker]\nport = {broker.port}\n[gateway]\nstore = "{store or tmp_path / "province.db"}"\n'
                    f'unit_code = "000.00.20.H26"\n', encoding="utf-8")
    return path


def store_in(tmp_path: Path) -> str:
    """Where the gateway configured in `tmp_path` keeps its store (a SQLite file, or a PostgreSQL URL)."""
    config = tmp_path / "gateway.toml"
    if config.exists():
        return str(tomllib.loads(config.read_text(encoding="utf-8"))["gateway"]["store"])
    return str(tmp_path / "province.db")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The gateway suite runs on both stores: a SQLite file, and a database on a real PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "province.db")
    return str(request.getfixturevalue("postgres_server").new_database())


@pytest.fixture
def gateway(tmp_path: Path, broker: Broker, store_location: str) -> Iterator[Path]:
    config = gateway_config(tmp_path, broker, store_location)
    process = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                               stderr=subprocess.PIPE, text=True)
    yield config
    process.terminate()
    process.wait(timeout=10)


from .secure_stack import secure, secure_gateway  # noqa: E402, F401  (the province's TLS broker and gateway)
