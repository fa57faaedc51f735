"""A loopback mosquitto and one province gateway, for a benchmark that must not hold them itself: it prints
`PORT n` once the gateway has subscribed, and stops both when its standard input closes.

    python -m bench.province_side DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.fleet import start_gateways
from province.broker import Broker


def main(directory: Path) -> None:
    broker = Broker(directory / "broker").start()
    try:
        gateways = start_gateways(1, broker.port, directory)
        try:
            print(f"PORT {broker.port}", flush=True)
            sys.stdin.read()  # until the benchmark closes it
        finally:
            for gateway in gateways:
                gateway.terminate()
                gateway.wait(timeout=10)
    finally:
        broker.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
