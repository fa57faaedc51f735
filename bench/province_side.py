"""A province as `motcua ca` and `motcua broker-config` make it, for a benchmark that must not hold it itself: a CA,
mosquitto on the configuration broker-config writes (TLS, client certificates, the ACL), and one gateway that
unseals dossiers. It writes the kiosk's configuration (its certificate, the province's sealing key) to
DIR/kiosk.toml, prints `PORT n` once the gateway has subscribed, and stops both when its standard input closes.

    python -m bench.province_side DIR KIOSK_ID [plain]

`plain`: the loopback broker without TLS and a gateway, dossiers unsealed (a developer's desk). bench/sessions.py
runs that by default until the link's TLS write race is fixed (docs/architecture.md, "Health": over TLS the link
falls and reconnects, and a scripted tap can miss a row the banner moved); MOTCUA_BENCH_TLS=1 runs it provisioned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from province import broker_config
from province.broker import Broker, free_port
from province.pki import Authority

REPO = Path(__file__).resolve().parent.parent


def provision(directory: Path, kiosk: str) -> tuple[Authority, broker_config.BrokerLayout, Path]:
    """The CA with the gateway's and the kiosk's certificates, and the broker's configuration."""
    ca = Authority.init(directory / "ca", "hn")
    for name, role in (("gateway", "gateway"), (kiosk, "kiosk")):
        ca.issue(name, role)
    layout = broker_config.BrokerLayout(free_port(), free_port(), "127.0.0.1", run_as_root=os.geteuid() == 0)
    return ca, layout, broker_config.write(ca, directory / "broker", layout)


def kiosk_config(ca: Authority, port: int, kiosk: str) -> str:
    issued = ca.directory / "issued"
    return (f'[kiosk]\nid = "{kiosk}"\n[mqtt]\nenabled = true\nport = {port}\n'
            f'ca_file = "{ca.directory}/ca.crt"\ncert_file = "{issued}/{kiosk}.crt"\n'
            f'key_file = "{issued}/{kiosk}.key"\n[security]\nprovince_key = "{ca.seal_public()}"\n')


def start_gateway(ca: Authority, port: int, directory: Path) -> subprocess.Popen[bytes]:
    issued = ca.directory / "issued"
    config = directory / "gateway.toml"
    config.write_text(f'[broker]\nhost = "127.0.0.1"\nport = {port}\nca_file = "{ca.directory}/ca.crt"\n'
                      f'cert_file = "{issued}/gateway.crt"\nkey_file = "{issued}/gateway.key"\n'
                      f'[gateway]\nstore = "{directory / "province.db"}"\nunit_code = "000.00.20.H26"\n'
                      f'ca = "{ca.directory}"\n', encoding="utf-8")
    log_path = directory / "gateway.log"
    with open(log_path, "wb") as log:
        gateway = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)],
                                   cwd=REPO, stderr=log, stdout=log)
    deadline = time.monotonic() + 30
    while b"gateway connected" not in log_path.read_bytes():
        if time.monotonic() > deadline or gateway.poll() is not None:
            gateway.kill()
            gateway.wait()
            raise RuntimeError(f"the gateway did not connect: {log_path.read_text(errors='replace')[-500:]}")
        time.sleep(0.05)
    return gateway


def plain(directory: Path, kiosk: str) -> None:
    from bench.fleet import start_gateways

    broker = Broker(directory / "broker").start()
    try:
        gateways = start_gateways(1, broker.port, directory)
        try:
            (directory / "kiosk.toml").write_text(f'[kiosk]\nid = "{kiosk}"\n[mqtt]\nenabled = true\n'
                                                   f'port = {broker.port}\n', encoding="utf-8")
            print(f"PORT {broker.port}", flush=True)
            sys.stdin.read()
        finally:
            for gateway in gateways:
                gateway.terminate()
                gateway.wait(timeout=10)
    finally:
        broker.stop()


def main(directory: Path, kiosk: str) -> None:
    ca, layout, conf = provision(directory, kiosk)
    broker = Broker(directory / "broker", port=layout.port, config_file=conf).start()
    try:
        gateway = start_gateway(ca, layout.port, directory)
        try:
            (directory / "kiosk.toml").write_text(kiosk_config(ca, layout.port, kiosk), encoding="utf-8")
            print(f"PORT {layout.port}", flush=True)
            sys.stdin.read()  # until the benchmark closes it
        finally:
            gateway.terminate()
            gateway.wait(timeout=10)
    finally:
        broker.stop()


if __name__ == "__main__":
    (plain if sys.argv[3:] == ["plain"] else main)(Path(sys.argv[1]), sys.argv[2])
