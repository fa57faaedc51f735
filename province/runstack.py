"""`make run`'s province: its own CA, a local broker running the configuration `motcua broker-config` writes (TLS,
client certificates, the ACL), a gateway beside the kiosk, and the run file `out/run/motcua.toml` that
`motcua gateway` and `motcua ops` read by default. Without mosquitto the kiosk runs offline and says so.

The demo kiosk's certificate is issued here directly (a real kiosk enrols with its token: docs/security.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from province import broker_config
from province.broker import Broker, free_port
from province.pki import Authority

RUN_DIR = Path("out/run")


@dataclass(frozen=True)
class KioskIdentity:
    """What the demo kiosk's [mqtt] and [security] need."""

    ca_file: str
    cert_file: str
    key_file: str
    province_key: str
    operator_key: str


@dataclass
class RunStack:
    broker: Broker
    gateway: subprocess.Popen[bytes]
    config: Path
    kiosk: KioskIdentity

    def stop(self) -> None:
        self.gateway.terminate()
        self.gateway.wait(timeout=10)
        self.broker.stop()


def authority(run_dir: Path, kiosk_id: str) -> Authority:
    """The run stack's CA (made once), with the gateway's, ops' and the demo kiosk's certificates."""
    folder = run_dir / "ca"
    ca = Authority.open(folder) if (folder / "ca.key").exists() else Authority.init(folder, "hn")
    for name, role in (("gateway", "gateway"), ("ops", "ops"), (kiosk_id, "kiosk")):
        if not (folder / "issued" / f"{name}.crt").exists():
            ca.issue(name, role)
    return ca


def start(run_dir: Path = RUN_DIR, unit_code: str = "000.00.20.H26", kiosk_id: str = "kiosk-sim-01") -> RunStack | None:
    """Broker and gateway, or None when mosquitto is not installed."""
    if Broker.binary() is None:
        return None
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    ca = authority(run_dir, kiosk_id)
    layout = broker_config.BrokerLayout(free_port(), free_port(), "127.0.0.1", run_as_root=os.geteuid() == 0)
    conf = broker_config.write(ca, run_dir / "broker", layout)
    broker = Broker(run_dir / "broker", port=layout.port, config_file=conf).start()
    issued = ca.directory / "issued"
    config = run_dir / "motcua.toml"
    config.write_text(
        "# written by `make run`: the demo's broker, its CA and the stores\n"
        f'[broker]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{ca.directory / "ca.crt"}"\n'
        f'cert_file = "{issued / "gateway.crt"}"\nkey_file = "{issued / "gateway.key"}"\n\n'
        f'[gateway]\nstore = "{run_dir / "province.db"}"\nunit_code = "{unit_code}"\nca = "{ca.directory}"\n\n'
        f'[ops]\ncert_file = "{issued / "ops.crt"}"\nkey_file = "{issued / "ops.key"}"\n\n'
        f'[kiosk]\noutbox = "{run_dir / "outbox.db"}"\n', encoding="utf-8")
    with open(run_dir / "gateway.log", "ab") as log:
        gateway = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)],
                                   stdout=log, stderr=log)
    kiosk = KioskIdentity(str(ca.directory / "ca.crt"), str(issued / f"{kiosk_id}.crt"),
                          str(issued / f"{kiosk_id}.key"), ca.seal_public(), ca.operator_public())
    return RunStack(broker, gateway, config, kiosk)
