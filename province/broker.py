"""A local mosquitto for the demo and the tests: the project's own config (loopback only, persistence on), a free
port, started and stopped by PID."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    def __init__(self, directory: Path, port: int | None = None, password_file: Path | None = None,
                 config_file: Path | None = None) -> None:
        """`config_file`: run that configuration (`motcua broker-config`'s) instead of the anonymous loopback one;
        `port` is then the one it listens on."""
        self.directory = directory
        self.port = port or free_port()
        self.password_file = password_file
        self.config_file = config_file
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str | None:
        found = shutil.which("mosquitto")
        return found or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)

    def start(self) -> Broker:
        binary = self.binary() or "mosquitto"
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.config_file or self.directory / "mosquitto.conf"
        if self.config_file is None:
            self._write_config(config)
        with open(self.directory / "mosquitto.log", "ab") as log:
            self.process = subprocess.Popen([binary, "-c", str(config)], stderr=log, stdout=log)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    said = (self.directory / "mosquitto.log").read_text(errors="replace")[-800:]
                    raise RuntimeError(f"mosquitto did not start on port {self.port}: {said}") from None
                time.sleep(0.02)

    def _write_config(self, config: Path) -> None:
        access = f"allow_anonymous false\npassword_file {self.password_file}\n" if self.password_file else \
            "allow_anonymous true\n"
        # As root mosquitto drops to user "mosquitto", who cannot read the tests' private directories.
        user = "user root\n" if os.geteuid() == 0 else ""
        config.write_text(
            f"listener {self.port} 127.0.0.1\n{user}{access}persistence true\n"
            f"persistence_location {self.directory}/\nautosave_interval 1\nlog_dest stderr\n"
            # a gateway that falls behind must not lose QoS 1 messages to the default 1000-message queue
            "max_queued_messages 100000\n", encoding="utf-8")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
