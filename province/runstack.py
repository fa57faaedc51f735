"""`make run`'s province: a local broker and a gateway beside the kiosk, and the run file `out/run/motcua.toml`
that `motcua gateway` and `motcua ops` read by default. Without mosquitto the kiosk runs offline and says so."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from province.broker import Broker

RUN_DIR = Path("out/run")


@dataclass
class RunStack:
    broker: Broker
    gateway: subprocess.Popen[bytes]
    config: Path

    def stop(self) -> None:
        self.gateway.terminate()
        self.gateway.wait(timeout=10)
        self.broker.stop()


def start(run_dir: Path = RUN_DIR, unit_code: str = "000.00.20.H26") -> RunStack | None:
    """Broker and gateway, or None when mosquitto is not installed."""
    if Broker.binary() is None:
        return None
    run_dir.mkdir(parents=True, exist_ok=True)
    broker = Broker(run_dir / "broker").start()
    config = run_dir / "motcua.toml"
    config.write_text(f'# written by `make run`: the demo\'s broker and stores\n[broker]\nhost = "127.0.0.1"\n'
                      f'port = {broker.port}\n\n[gateway]\nstore = "{run_dir.resolve() / "province.db"}"\n'
                      f'unit_code = "{unit_code}"\n\n[kiosk]\noutbox = "{run_dir.resolve() / "outbox.db"}"\n',
                      encoding="utf-8")
    with open(run_dir / "gateway.log", "ab") as log:
        gateway = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)],
                                   stdout=log, stderr=log)
    return RunStack(broker, gateway, config)
