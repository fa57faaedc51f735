"""Attacks from the hall's network against the broker configuration `motcua broker-config` writes, with
certificates made here by `motcua ca`'s own code: each must be refused (docs/security.md)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgpack

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common.protocol import Envelope, event_topic, kiosk_topic, pack_ack
from firmware.link import identity
from firmware.services.outbox import OutboxEvent
from province.broker import Broker, free_port
from province.pki import Authority
from province.store import Store

from .conftest import REPO, wait_until
from .secure_stack import SecureStack
from .test_link import pump

ROOT = "motcua/v1/hn"


def usage(event_id: str) -> bytes:
    return Envelope(event_id, 1, "2026-12-06T09:00:00+07:00", "usage", {"outcome": "nothing"}).pack()


def stored(store_path: Path, kiosk: str) -> set[str]:
    store = Store(store_path, "x")
    try:
        return {row[0] for row in store.db.execute("SELECT id FROM events WHERE kiosk = ?", (kiosk,))}
    finally:
        store.close()


def test_only_a_certificate_from_the_province_ca_logs_in(secure: SecureStack, tmp_path: Path) -> None:
    assert secure.connect("kiosk-a").connected, "the kiosk's own certificate must work, or nothing here is shown"
    assert not secure.connect(None, "kiosk-a").connected, "TLS without a client certificate"
    assert not secure.connect(None, "kiosk-a", tls=False).connected, "plain text, anonymous"
    other = Authority.init(tmp_path / "other-ca", "hn")
    other.issue("kiosk-a", "kiosk")
    stranger = str(other.directory / "issued" / "kiosk-a.crt"), str(other.directory / "issued" / "kiosk-a.key")
    secure.ca.directory.joinpath("issued", "stranger.crt").write_bytes(Path(stranger[0]).read_bytes())
    secure.ca.directory.joinpath("issued", "stranger.key").write_bytes(Path(stranger[1]).read_bytes())
    assert not secure.connect("stranger", "kiosk-a").connected, "a certificate from another CA"
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    secure.ca.issue("kiosk-old", "kiosk", days=30, start=long_ago)
    assert not secure.connect("kiosk-old").connected, "an expired certificate"
    assert not secure.connect(None, "kiosk-a", port=secure.layout.bootstrap_port).connected, "bootstrap, anonymous"
    assert not secure.connect(None, "kiosk-a", port=secure.layout.bootstrap_port, username="kiosk-a",
                              password="guess").connected, "bootstrap, a guessed token"


def test_a_revoked_certificate_is_refused_after_broker_config_runs_again(secure: SecureStack) -> None:
    assert secure.connect("kiosk-b").connected
    secure.ca = Authority.open(secure.ca.directory)
    assert secure.ca.revoke("kiosk-b") == 1
    secure.rewrite_and_restart()
    assert not secure.connect("kiosk-b").connected, "revoked (CRL)"
    assert secure.connect("kiosk-a").connected, "the others still log in"


def test_a_kiosk_reads_nothing_of_another(secure: SecureStack) -> None:
    spy = secure.connect("kiosk-a")
    secure.subscribe(spy, "#", f"{ROOT}/#", f"{ROOT}/kiosk-b/ack", f"{ROOT}/kiosk-b/res", "$share/g/#")
    victim = secure.connect("kiosk-b")
    secure.subscribe(victim, f"{ROOT}/kiosk-b/ack")
    province = secure.connect("gateway", "gateway")
    secure.subscribe(province, f"{ROOT}/+/evt/#")
    assert victim.client and province.client
    victim.client.publish(event_topic("hn", "kiosk-b", "dossier"), b"a citizen's dossier", qos=1)
    province.client.publish(kiosk_topic("hn", "kiosk-b", "ack"), pack_ack(["x"]), qos=1)
    wait_until(lambda: bool(province.received) and bool(victim.received), 10)
    assert spy.received == [], "kiosk A must see nothing of kiosk B"


def test_a_kiosk_cannot_publish_as_another(secure: SecureStack, secure_gateway: Path, tmp_path: Path) -> None:
    attacker = secure.connect("kiosk-a")
    assert attacker.client
    attacker.client.publish(event_topic("hn", "kiosk-b", "usage"), usage("forged-as-b"), qos=1)
    attacker.client.publish(f"{ROOT}/kiosk-b/req/lookup", msgpack.packb({"code": "x"}), qos=1)
    attacker.client.publish(event_topic("hn", "kiosk-a", "usage"), usage("own-event"), qos=1)
    wait_until(lambda: "own-event" in stored(tmp_path / "province.db", "kiosk-a"), 20)
    assert stored(tmp_path / "province.db", "kiosk-b") == set(), "the gateway stored nothing as kiosk B's"


def test_a_kiosk_cannot_acknowledge_or_speak_for_another(secure: SecureStack) -> None:
    victim = secure.connect("kiosk-b")
    secure.subscribe(victim, f"{ROOT}/kiosk-b/ack", f"{ROOT}/kiosk-b/cmd", f"{ROOT}/kiosk-b/status")
    attacker = secure.connect("kiosk-a")
    assert attacker.client
    attacker.client.publish(kiosk_topic("hn", "kiosk-b", "ack"), pack_ack(["event-of-b"]), qos=1)
    attacker.client.publish(kiosk_topic("hn", "kiosk-b", "cmd"), b"reboot", qos=1)
    attacker.client.publish(kiosk_topic("hn", "kiosk-b", "status"), b'{"state": "forged"}', qos=1, retain=True)
    province = secure.connect("gateway", "gateway")
    assert province.client
    province.client.publish(kiosk_topic("hn", "kiosk-b", "ack"), pack_ack(["real"]), qos=1)
    wait_until(lambda: bool(victim.received), 10)
    assert victim.received == [(f"{ROOT}/kiosk-b/ack", pack_ack(["real"]))], "only the gateway's ack arrives"
    watcher = secure.connect("ops")
    secure.subscribe(watcher, f"{ROOT}/+/status")
    assert victim.client
    victim.client.publish(kiosk_topic("hn", "kiosk-b", "status"), b'{"state": "running"}', qos=1)
    wait_until(lambda: bool(watcher.received), 10)
    assert all(payload != b'{"state": "forged"}' for _, payload in watcher.received)


def test_a_kiosk_cannot_take_over_another_client_id(secure: SecureStack) -> None:
    victim = secure.connect("kiosk-b")
    intruder = secure.connect("kiosk-a", client_id="kiosk-b")
    assert intruder.connected  # the broker makes its client id its certificate's name, kiosk-a
    watcher = secure.connect("ops")
    secure.subscribe(watcher, f"{ROOT}/kiosk-b/status")
    assert victim.client
    victim.client.publish(kiosk_topic("hn", "kiosk-b", "status"), b'{"state": "running"}', qos=1)
    wait_until(lambda: bool(watcher.received), 10)
    assert victim.client.is_connected(), "kiosk B's session was not taken over"


def test_enrolment_with_a_one_time_token(secure: SecureStack, secure_gateway: Path, tmp_path: Path) -> None:
    token = secure.ca.new_token("kiosk-c")
    secure.rewrite_and_restart()  # the bootstrap listener learns the token
    key = identity.ensure_key(tmp_path / "kiosk-c.key")
    assert (tmp_path / "kiosk-c.key").stat().st_mode & 0o077 == 0, "the private key is the kiosk's alone"
    cert = tmp_path / "kiosk-c.crt"
    ca_file = str(secure.ca.directory / "ca.crt")
    wait_until(lambda: "gateway connected" in (tmp_path / "gateway.log").read_text().split("lost the broker")[-1], 30)
    identity.enrol("127.0.0.1", secure.layout.bootstrap_port, "hn", "kiosk-c", ca_file, token, key, cert)
    issued = secure.ca.directory / "issued"
    (issued / "kiosk-c.crt").write_bytes(cert.read_bytes())
    (issued / "kiosk-c.key").write_bytes((tmp_path / "kiosk-c.key").read_bytes())
    assert secure.connect("kiosk-c").connected, "the enrolled certificate logs in"
    again = tmp_path / "again.crt"
    try:
        identity.enrol("127.0.0.1", secure.layout.bootstrap_port, "hn", "kiosk-c", ca_file, token, key, again)
    except identity.EnrolError as exc:
        assert "used already" in str(exc)
    else:
        raise AssertionError("a spent token must be refused")
    assert not again.exists()
    secure.rewrite_and_restart()
    assert not secure.connect(None, "kiosk-c", port=secure.layout.bootstrap_port, username="kiosk-c",
                              password=token).connected, "a spent token no longer logs in at all"


def test_renewal_close_to_expiry(tmp_path: Path) -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    ca = Authority.init(tmp_path / "ca", "hn")
    start = soon - dt.timedelta(days=365)
    ca.issue("kiosk-a", "kiosk", start=start, days=365)
    cert = ca.directory / "issued" / "kiosk-a.crt"
    assert identity.renewal_due(cert, 30) and not identity.renewal_due(cert, 5)


def test_a_new_kiosk_enrols_by_itself_then_sends_over_tls(make_app: Callable[..., App], secure: SecureStack,
                                                         secure_gateway: Path, tmp_path: Path) -> None:
    token = secure.ca.new_token("kiosk-new")
    secure.rewrite_and_restart()
    log = tmp_path / "gateway.log"
    wait_until(lambda: log.read_text().count("gateway connected") >= 2, 40)
    token_file, keys = tmp_path / "enrolment-token", tmp_path / "keys"
    token_file.write_text(token + "\n")
    app = make_app(f'[kiosk]\nid = "kiosk-new"\n[mqtt]\nenabled = true\nport = {secure.layout.port}\n'
                   f'ca_file = "{secure.ca.directory / "ca.crt"}"\ncert_file = "{keys / "kiosk.crt"}"\n'
                   f'key_file = "{keys / "kiosk.key"}"\ntoken_file = "{token_file}"\n'
                   f'enrol_port = {secure.layout.bootstrap_port}\nbackoff_max_s = 2\nack_timeout_s = 3\n'
                   f'[security]\nprovince_key = "{secure.ca.seal_public()}"\n')
    sim = Simulator(app)
    wait_until(lambda: app.kiosk.health["network"] == "up", 60, step=pump(sim))
    assert not token_file.exists(), "the spent token is deleted"
    assert (keys / "kiosk.key").stat().st_mode & 0o077 == 0
    app.outbox.commit([OutboxEvent("usage", {"outcome": "nothing"}, "2026-12-06T09:00:00+07:00", id="first")])
    wait_until(lambda: app.outbox.backlog() == 0, 30, step=pump(sim))
    assert stored(tmp_path / "province.db", "kiosk-new") == {"first"}


def test_without_a_certificate_or_token_the_kiosk_says_why(make_app: Callable[..., App], secure: SecureStack,
                                                          tmp_path: Path) -> None:
    app = make_app(f'[kiosk]\nid = "kiosk-lost"\n[mqtt]\nenabled = true\nport = {secure.layout.port}\n'
                   f'ca_file = "{secure.ca.directory / "ca.crt"}"\ncert_file = "{tmp_path / "none.crt"}"\n'
                   f'key_file = "{tmp_path / "none.key"}"\nbackoff_max_s = 1\n')
    sim = Simulator(app)
    assert app.link is not None
    wait_until(lambda: bool(app.link and app.link.refused), 20, step=pump(sim))
    assert "no enrolment token" in str(app.link.refused)
    assert app.kiosk.health["network"] != "up"


def motcua(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=60)


def test_the_ca_and_broker_config_commands(tmp_path: Path) -> None:
    ca, out = str(tmp_path / "ca"), tmp_path / "broker"
    made = motcua("ca", "init", ca, "--province", "bn")
    assert made.returncode == 0 and (tmp_path / "ca" / "seal.pub").read_text().strip() in made.stdout
    assert motcua("ca", "init", ca).returncode == 2, "a CA is never overwritten"
    assert motcua("ca", "issue", "gateway", "--role", "gateway", "--ca", ca).returncode == 0
    assert motcua("ca", "issue", "ops", "--role", "ops", "--ca", ca).returncode == 0
    reserved = motcua("ca", "issue", "gateway-2", "--ca", ca)
    assert reserved.returncode == 2 and "reserved" in reserved.stderr
    assert motcua("ca", "issue", "Bad Name", "--ca", ca).returncode == 2
    assert motcua("ca", "revoke", "kiosk-nobody", "--ca", ca).returncode == 1
    token = motcua("ca", "token", "bn-yenphong-01", "--ca", ca)
    assert token.returncode == 0 and len(token.stdout.strip()) >= 30
    assert motcua("ca", "list", "--ca", str(tmp_path / "none")).returncode == 2
    assert motcua("broker-config", "--ca", ca, "--out", str(out), "--bind", "127.0.0.1\nallow_anonymous true"
                  ).returncode == 2, "nothing from the command line reaches the config unchecked"
    port, bootstrap = free_port(), free_port()
    user = ["--user", "root"] if os.geteuid() == 0 else []
    wrote = motcua("broker-config", "--ca", ca, "--out", str(out), "--port", str(port), "--bootstrap-port",
                   str(bootstrap), "--bind", "127.0.0.1", *user)
    assert wrote.returncode == 0, wrote.stderr
    conf = (out / "mosquitto.conf").read_text()
    for line in ("require_certificate true", "use_identity_as_username true", "use_username_as_clientid true",
                 f"crlfile {out.resolve()}/crl.pem", "persistence true", "per_listener_settings true",
                 "allow_anonymous false", f"listener {bootstrap} 127.0.0.1"):
        assert line in conf
    acl = (out / "acl").read_text()
    assert "pattern write motcua/v1/bn/%u/evt/#" in acl and "pattern read motcua/v1/bn/%u/ack" in acl
    assert "\nuser gateway\ntopic readwrite motcua/v1/bn/#" in acl and "\nuser ops\n" in acl
    assert (out / "bootstrap.passwd").read_text().startswith("bn-yenphong-01:$7$101$")
    broker = Broker(out, port=port, config_file=out / "mosquitto.conf").start()  # mosquitto takes it as written
    broker.stop()


def test_a_kiosk_renews_its_certificate_before_it_expires(make_app: Callable[..., App], secure: SecureStack,
                                                          secure_gateway: Path) -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    secure.ca.issue("kiosk-a", "kiosk", start=soon - dt.timedelta(days=365), days=365)  # replaces issued/kiosk-a
    cert = Path(secure.files("kiosk-a")[0])
    before = identity.expires_at(cert)
    app = make_app(secure.kiosk_config("kiosk-a"))
    sim = Simulator(app)
    wait_until(lambda: (identity.expires_at(cert) or soon) > soon + dt.timedelta(days=300), 30, step=pump(sim))
    assert before is not None and before < soon + dt.timedelta(minutes=1)
    assert app.kiosk.health["network"] == "up"
