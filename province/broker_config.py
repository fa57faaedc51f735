"""`motcua broker-config --ca DIR --out DIR`: the mosquitto configuration the province runs.

Two listeners with their own settings (`per_listener_settings true`):
- the kiosks' and the province's: TLS, a client certificate from the province's CA required, the certificate's
  name as user name (`use_identity_as_username`) and as client id (`use_username_as_clientid`, so nobody takes
  over another's session), the CRL, and an ACL confining each kiosk to its own topics;
- the bootstrap listener for enrolment only: TLS (server certificate only), user = kiosk id and password = its
  one-time token, and an ACL that lets it write its certificate request and read the answer, nothing else.
Re-run after `motcua ca issue` of a new gateway, ops or dashboard identity, after `motcua ca token` and after
`motcua ca revoke`, then reload mosquitto (SIGHUP) or restart it.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from province.pki import Authority, _write_private

MAX_PACKET_BYTES = 2_097_152  # a sealed 1.5 MB part with its envelope, under mosquitto 2.1's own default
MAX_QUEUED_MESSAGES = 100_000  # a gateway that falls behind must not lose QoS 1 events
MAX_QUEUED_BYTES = 1_073_741_824


@dataclass(frozen=True)
class BrokerLayout:
    port: int = 8883
    bootstrap_port: int = 8884
    bind: str = ""  # empty: every interface
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1")  # names the broker's certificate carries
    run_as_root: bool = False  # tests and `make run` as root: mosquitto would drop to a user who cannot read
    user: str = ""  # `user` in mosquitto.conf (empty: mosquitto's default, "mosquitto"), who must read these files


def kiosk_acl(province: str) -> str:
    root = f"motcua/v1/{province}"
    return (f"# Every kiosk (the user name is its certificate's name): its own topics only.\n"
            f"pattern write {root}/%u/availability\npattern write {root}/%u/status\n"
            f"pattern write {root}/%u/evt/#\npattern write {root}/%u/req/#\npattern write homeassistant/+/%u/#\n"
            f"pattern write {root}/%u/reply\npattern write {root}/%u/doctor\n"
            f"pattern read {root}/%u/res\npattern read {root}/%u/ack\npattern read {root}/%u/cmd\n"
            f"topic read {root}/catalog\ntopic read {root}/catalog/#\ntopic read {root}/calendar\n"
            "topic read homeassistant/status\n")


def service_acl(province: str, role: str, name: str) -> str:
    root = f"motcua/v1/{province}"
    rights = {
        "gateway": [f"readwrite {root}/#", f"readwrite motcua/enrol/{province}/#"],
        # status and availability: `motcua ops forget` empties a decommissioned kiosk's retained ones
        "ops": [f"read {root}/#", f"write {root}/+/cmd", f"write {root}/+/status", f"write {root}/+/availability",
                "readwrite homeassistant/#"],
        "dashboard": [f"read {root}/+/status", f"read {root}/+/availability", f"read {root}/gateway/#",
                      "read homeassistant/#", "write homeassistant/status"],
    }[role]
    return f"\nuser {name}\n" + "".join(f"topic {right}\n" for right in rights)


def _owner(layout: BrokerLayout, out: Path, secrets: tuple[Path, ...]) -> str:
    """The `user` line. Started as root, mosquitto drops to its user (default `mosquitto`), who must read the key
    and the password file (0600) and write the persistence directory: written as root, they are given to it."""
    if layout.run_as_root:
        return "user root"
    name = layout.user or "mosquitto"
    if os.geteuid() != 0:
        return f"user {layout.user}" if layout.user else ""  # not root: mosquitto runs as whoever starts it
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return f"# no user {name!r} here: mosquitto keeps running as root\nuser root"
    for path in secrets:
        os.chown(path, account.pw_uid, account.pw_gid)
    return f"user {name}"


def write(authority: Authority, out: Path, layout: BrokerLayout = BrokerLayout()) -> Path:
    """Write mosquitto.conf and everything it names into `out`; returns the path of mosquitto.conf."""
    out = out.resolve()
    (out / "data").mkdir(parents=True, exist_ok=True)
    province = authority.province
    shutil.copyfile(authority.directory / "ca.crt", out / "ca.crt")
    shutil.copyfile(authority.directory / "crl.pem", out / "crl.pem")
    server = authority.issue("broker", "broker", hosts=layout.hosts)
    (out / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_private(out / "server.key", (authority.directory / "issued" / "broker.key").read_bytes())
    acl = kiosk_acl(province) + "".join(service_acl(province, role, name) for role in ("gateway", "ops", "dashboard")
                                        for name in authority.identities(role))
    (out / "acl").write_text(acl, encoding="utf-8")
    (out / "bootstrap.acl").write_text(
        f"# Enrolment only: a kiosk (user = its id, password = its one-time token) asks for its certificate.\n"
        f"pattern write motcua/enrol/{province}/%u/csr\npattern read motcua/enrol/{province}/%u/cert\n",
        encoding="utf-8")
    passwords = out / "bootstrap.passwd"
    passwords.write_text(authority.bootstrap_passwords(), encoding="utf-8")
    os.chmod(passwords, 0o600)
    user_line = _owner(layout, out, (out / "server.key", passwords, out / "data"))
    bind = f" {layout.bind}" if layout.bind else ""
    tls = f"cafile {out}/ca.crt\ncertfile {out}/server.crt\nkeyfile {out}/server.key\ntls_version tlsv1.2\n"
    conf = out / "mosquitto.conf"
    conf.write_text(
        "# written by `motcua broker-config`: re-run it rather than edit this file\n"
        f"{user_line}\nper_listener_settings true\n"
        f"persistence true\npersistence_location {out}/data/\nautosave_interval 30\n"
        f"max_packet_size {MAX_PACKET_BYTES}\nmax_queued_messages {MAX_QUEUED_MESSAGES}\n"
        f"max_queued_bytes {MAX_QUEUED_BYTES}\nmax_inflight_messages 20\nlog_type error\nlog_type warning\n"
        "log_type notice\nlog_type information\nconnection_messages true\n\n"
        f"# kiosks, the gateway, ops and dashboards: a client certificate from the province's CA\n"
        f"listener {layout.port}{bind}\n{tls}require_certificate true\nuse_identity_as_username true\n"
        f"use_username_as_clientid true\ncrlfile {out}/crl.pem\nacl_file {out}/acl\nallow_anonymous false\n\n"
        f"# enrolment only: user = kiosk id, password = its one-time token\n"
        f"listener {layout.bootstrap_port}{bind}\n{tls}require_certificate false\nuse_username_as_clientid true\n"
        f"password_file {passwords}\nacl_file {out}/bootstrap.acl\nallow_anonymous false\n",
        encoding="utf-8")
    return conf
