"""A province for a benchmark that must not hold it itself: mosquitto and one gateway. It writes the kiosk's
configuration to DIR/kiosk.toml, prints `PORT n` once the gateway has subscribed, and stops both when its
standard input closes.

    python -m bench.province_side DIR KIOSK_ID [plain]

By default as `motcua ca` and `motcua broker-config` make it: a CA, mosquitto on broker-config's configuration
(TLS, client certificates, the ACL), the kiosk's certificate and the province's sealing key, a gateway that unseals.
`plain`: a loopback broker without TLS, dossiers unsealed (a developer's desk; bench/sessions.py with
MOTCUA_BENCH_PLAIN=1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.fleet import start_gateways
from province import broker_config
from province.broker import Broker, free_port
from province.pki import Authority


def provisioned(directory: Path, kiosk: str) -> tuple[Broker, str, str, str]:
    """The CA with the gateway's and the kiosk's certificates, the broker on broker-config's configuration; the
    gateway's [broker] TLS lines and its [gateway] CA line; the kiosk's configuration."""
    ca = Authority.init(directory / "ca", "hn")
    for name, role in (("gateway", "gateway"), (kiosk, "kiosk")):
        ca.issue(name, role)
    layout = broker_config.BrokerLayout(free_port(), free_port(), "127.0.0.1", run_as_root=os.geteuid() == 0)
    conf = broker_config.write(ca, directory / "broker", layout)
    broker = Broker(directory / "broker", port=layout.port, config_file=conf)
    issued = ca.directory / "issued"
    tls = f'ca_file = "{ca.directory}/ca.crt"\n'
    gateway_tls = f'host = "127.0.0.1"\n{tls}cert_file = "{issued}/gateway.crt"\nkey_file = "{issued}/gateway.key"\n'
    kiosk_config = (f'[kiosk]\nid = "{kiosk}"\n[mqtt]\nenabled = true\nport = {layout.port}\n{tls}'
                    f'cert_file = "{issued}/{kiosk}.crt"\nkey_file = "{issued}/{kiosk}.key"\n'
                    f'[security]\nprovince_key = "{ca.seal_public()}"\n')
    return broker, gateway_tls, f'ca = "{ca.directory}"\n', kiosk_config


def main(directory: Path, kiosk: str, plain: bool) -> None:
    if plain:
        broker, broker_tls, gateway_extra = Broker(directory / "broker"), "", ""
    else:
        broker, broker_tls, gateway_extra, kiosk_config = provisioned(directory, kiosk)
    broker.start()
    try:
        gateways = start_gateways(1, broker.port, directory, broker_tls=broker_tls, gateway_extra=gateway_extra)
        try:
            if plain:
                kiosk_config = f'[kiosk]\nid = "{kiosk}"\n[mqtt]\nenabled = true\nport = {broker.port}\n'
            (directory / "kiosk.toml").write_text(kiosk_config, encoding="utf-8")
            print(f"PORT {broker.port}", flush=True)
            sys.stdin.read()  # until the benchmark closes it
        finally:
            for gateway in gateways:
                gateway.terminate()
                gateway.wait(timeout=10)
    finally:
        broker.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:] == ["plain"])
