"""The province under a fleet: N simulated kiosks (the real Outbox and OutboxSender, the link's own reconnect
backoff, MQTT v5 persistent sessions), one loopback mosquitto, 1 and 2 gateway processes.

Each kiosk commits one one-page dossier (a real scanned page, a part and a manifest); the figures are events/s
until the last is acknowledged, commit-to-ack latency p50/p99, resends per event, lost and duplicated. Then the
broker stops for 10 s while every kiosk files one more dossier, and the time from its restart until every outbox
is empty is measured. Kiosks run many per process, all on one `selectors` loop (paho's own loop uses select(),
which cannot go past 1,023 descriptors). Kiosk outboxes live on /dev/shm (each real kiosk has its own disk); the
gateways' store is on the disk.

    python -m bench.fleet [N ...]      (default: 100 1000 3321)
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.fleet_kiosks import Control, run_kiosks
from province.broker import Broker
from province.store import Store

REPO = Path(__file__).resolve().parent.parent
SIZES = (100, 1000, 3321)
WORKERS = 2
OUTAGE_S = 10.0
ACK_TIMEOUT_S = 30.0  # the kiosk's default: no event should wait this long


def start_gateways(count: int, port: int, directory: Path, wait: bool = True, broker_tls: str = "",
                   gateway_extra: str = "") -> list[subprocess.Popen[bytes]]:
    """`count` gateway processes; with `wait`, once each has said it is connected (subscribed). `broker_tls` and
    `gateway_extra`: more lines for [broker] and [gateway] (a TLS broker, the CA that unseals)."""
    config = directory / "gateway.toml"
    config.write_text(f'[broker]\nport = {port}\n{broker_tls}[gateway]\nstore = "{directory / "province.db"}"\n'
                      f'unit_code = "000.00.20.H26"\n{gateway_extra}', encoding="utf-8")
    processes = []
    for n in range(count):
        log = open(directory / f"gateway-{n}.log", "wb")  # noqa: SIM115 - the process holds it
        processes.append(subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config),
                                           "--instance", f"bench-{n}"], cwd=REPO, stderr=log, stdout=log))
    deadline = time.monotonic() + 30
    for n in range(count if wait else 0):
        while b"gateway connected" not in (directory / f"gateway-{n}.log").read_bytes():
            if time.monotonic() > deadline or processes[n].poll() is not None:
                for process in processes:  # none is left running behind the failure
                    process.kill()
                    process.wait()
                said = (directory / f"gateway-{n}.log").read_text(errors="replace")[-500:]
                raise RuntimeError(f"gateway {n} did not connect: {said}")
            time.sleep(0.05)
    return processes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def one_run(kiosks: int, gateways: int, scratch: Path) -> dict[str, float]:
    directory = scratch / f"n{kiosks}-g{gateways}"
    directory.mkdir()
    shm = Path(tempfile.mkdtemp(prefix="motcua-fleet-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    broker = Broker(directory / "broker").start()
    processes = start_gateways(gateways, broker.port, directory)
    context = mp.get_context("spawn")
    control = Control.make(context)
    results: Any = context.Queue()
    names = [f"k{n:04d}" for n in range(kiosks)]
    workers = [context.Process(target=run_kiosks, args=(names[w::WORKERS], broker.port, str(shm), control, results))
               for w in range(WORKERS)]
    try:
        for worker in workers:
            worker.start()
        control.wait_all(control.ready, WORKERS, 120)
        meters = [psutil.Process(p.pid) for p in processes]
        gateway_cpu = sum(sum(m.cpu_times()[:2]) for m in meters)
        psutil.cpu_percent()
        started = time.monotonic()
        control.go.set()
        first = [results.get(timeout=300) for _ in workers]
        filled = max(r["drained_at"] for r in first) - started
        machine = psutil.cpu_percent()  # since the call before `go`: all cores, 100 = every core busy
        gateway_cpu = sum(sum(m.cpu_times()[:2]) for m in meters) - gateway_cpu
        broker.stop()
        control.outage.set()  # every kiosk files one more dossier while the broker is away
        time.sleep(OUTAGE_S)
        broker.start()
        restarted = time.monotonic()
        control.restarted.set()
        second = [results.get(timeout=300) for _ in workers]
        drain = max(r["drained_at"] for r in second) - restarted
    finally:
        control.stop.set()
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        broker.stop()
        subprocess.run(["rm", "-rf", str(shm)], check=False)
    latencies = [x for r in first for x in r["latencies"]]
    sent = sum(r["sent"] for r in first + second)
    events = 4 * kiosks
    store = Store(directory / "province.db", "000.00.20.H26")
    try:
        stored = store.count("dossier")
        codes = store.db.execute("SELECT COUNT(*) - COUNT(DISTINCT code) FROM dossiers").fetchone()[0]
    finally:
        store.close()
    left = sum(r["left"] for r in second)
    return {"events_per_s": round(2 * kiosks / filled, 1), "ack_p50_s": round(percentile(latencies, 0.5), 3),
            "ack_p99_s": round(percentile(latencies, 0.99), 3),
            "resends_per_event": round(max(0, sent - events) / events, 3),
            "waited_full_timeout": sum(1 for x in latencies if x >= ACK_TIMEOUT_S),
            "lost": 2 * kiosks - stored + left, "duplicated": int(codes),
            "restart_drain_s": round(drain, 2), "machine_cpu_percent": machine,
            "gateway_cpu_ms_per_event": round(1000 * gateway_cpu / (2 * kiosks), 3)}


def queued_events(kiosks: int) -> list[tuple[str, bytes]]:
    from PIL import Image

    from bench.fleet_kiosks import PAGE, _record
    from firmware.common.protocol import Envelope, kiosk_topic
    from firmware.rules.pages import page_from_image
    from firmware.services.dossier import dossier_events

    with Image.open(PAGE) as image:
        page = page_from_image(image, "giay", "Giấy chứng sinh", 1)
    found = []
    for n in range(kiosks):
        name = f"k{n:04d}"
        for seq, event in enumerate(dossier_events(_record(name, page), [page]), start=1):
            envelope = Envelope(event.id, seq, event.created_at, event.kind, event.body, True)
            found.append((kiosk_topic("hn", name, f"evt/{event.kind}"), envelope.pack()))
    return found


def gateway_drain(gateways: int, kiosks: int, scratch: Path) -> tuple[float, float]:
    """The gateways alone: every kiosk's dossier waits at the broker in the gateways' sessions (they were away),
    then they come back, all at once, and drain it: (events/s from the first stored to the last, the machine's
    CPU use meanwhile). A resumed session delivers before its gateway says it is connected, so the clock starts
    at the first stored event, not at that line. No kiosk competes for the machine's cores here."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    directory = scratch / f"drain-g{gateways}"
    directory.mkdir()
    broker = Broker(directory / "broker").start()
    try:
        for process in start_gateways(gateways, broker.port, directory):  # their sessions, then away
            process.terminate()
            process.wait(timeout=20)
        events = queued_events(kiosks)
        publisher = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="bench-publisher",
                                protocol=mqtt.MQTTv5)
        publisher.max_queued_messages_set(0)
        publisher.max_inflight_messages_set(100)
        publisher.connect("127.0.0.1", broker.port)
        publisher.loop_start()
        infos = [publisher.publish(topic, payload, qos=1) for topic, payload in events]
        for info in infos:
            info.wait_for_publish(60)
        publisher.disconnect()
        publisher.loop_stop()
        processes = start_gateways(gateways, broker.port, directory, wait=False)
        store = Store(directory / "province.db", "000.00.20.H26")
        try:
            launched = time.monotonic()
            while (first := store.count()) == 0:
                if time.monotonic() - launched > 60:
                    raise RuntimeError("the gateways stored nothing of what was queued for them")
                time.sleep(0.01)
            psutil.cpu_percent()
            began = time.monotonic()
            while store.count() < len(events):
                if time.monotonic() - began > 300:
                    raise RuntimeError("the gateways did not drain what was queued for them")
                time.sleep(0.05)
            rate = (len(events) - first) / (time.monotonic() - began)
            machine = psutil.cpu_percent()
        finally:
            store.close()
            for process in processes:
                process.terminate()
                process.wait(timeout=20)
    finally:
        broker.stop()
    return round(rate, 1), machine


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-fleet-") as scratch:
        measured = {g: gateway_drain(g, max(sizes), Path(scratch)) for g in (1, 2)}
        drained = {g: rate for g, (rate, _) in measured.items()}
        print(f"gateways alone, draining {2 * max(sizes)} queued events: {measured} (events/s, machine CPU %)",
              flush=True)
        for g, (rate, machine) in measured.items():
            figures.update({f"gateway_drain_g{g}_events_per_s": rate, f"gateway_drain_g{g}_machine_cpu_percent":
                            machine})
        figures["gateway_drain_two_gateways_ratio"] = round(drained[2] / drained[1], 2)
        for kiosks in sizes:
            rates = {}
            for gateways in (1, 2):
                found = one_run(kiosks, gateways, Path(scratch))
                rates[gateways] = found["events_per_s"]
                print(f"fleet N={kiosks} gateways={gateways}: {found}", flush=True)
                figures.update({f"fleet_{kiosks}_g{gateways}_{key}": value for key, value in found.items()})
            figures[f"fleet_{kiosks}_two_gateways_ratio"] = round(rates[2] / rates[1], 2)
    return figures


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    chosen = tuple(int(a) for a in sys.argv[1:]) or SIZES
    for key, value in run(chosen).items():
        print(f"{key:44} {value}")
