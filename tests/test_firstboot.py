"""First boot's later-boot duties: the Debian packages it could not install are tried again until they are in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

FIRSTBOOT = REPO / "provisioning" / "firstboot"


def fake_apt(folder: Path, exit_code: int) -> dict[str, str]:
    """An `apt-get` that records its arguments: the kiosk's real one cannot run against a test prefix."""
    folder.mkdir(exist_ok=True)
    script = folder / "apt-get"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/calls"\nexit {exit_code}\n')
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def retry(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root), "--packages"], capture_output=True,
                          text=True, env=env, timeout=60)


def test_pending_packages_are_retried_until_installed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    pending = root / "var/lib/motcua/apt-pending"
    pending.parent.mkdir(parents=True)
    pending.write_text("sane-utils\npython3-picamera2\n")

    offline = retry(root, fake_apt(tmp_path / "down", 100))
    assert offline.returncode == 1
    assert "not installed (no network?): tried again at next boot" in offline.stdout
    assert pending.read_text() == "sane-utils\npython3-picamera2\n", "nothing is forgotten"
    assert (tmp_path / "down" / "calls").read_text() == "update\n", "no install without package lists"

    online = retry(root, fake_apt(tmp_path / "up", 0))
    assert online.returncode == 0, online.stdout + online.stderr
    assert "Debian packages: 2 installed" in online.stdout
    assert (tmp_path / "up" / "calls").read_text() == (
        "update\ninstall -y --no-install-recommends sane-utils python3-picamera2\n")
    assert not pending.exists()

    again = retry(root, fake_apt(tmp_path / "up", 0))
    assert again.returncode == 0 and "nothing pending" in again.stdout


def test_the_retry_unit_runs_only_while_something_is_pending() -> None:
    unit = (REPO / "systemd" / "motcua-packages.service").read_text(encoding="utf-8")
    for line in ("ConditionPathExists=/var/lib/motcua/apt-pending", "After=network-online.target",
                 "ExecStart=/usr/bin/python3 /opt/motcua/firstboot --packages",
                 "ExecStartPost=-/bin/systemctl try-restart motcua.service"):
        assert line in unit


def prefix(tmp_path: Path, read_only_root: bool) -> tuple[Path, Path]:
    """A root file system as first boot finds it, with a provisioned boot partition under /boot/firmware."""
    from provisioning.image import kiosk_config

    root = tmp_path / "root"
    boot = root / "boot/firmware/motcua"
    (boot / "wheelhouse").mkdir(parents=True)
    (boot / "motcua.toml").write_text(kiosk_config({
        "kiosk_id": "bn-yenphong-01", "province_code": "bn", "province_name": "Tỉnh Bắc Ninh",
        "commune_name": "Xã Yên Phong", "broker_host": "mqtt.example.invalid",
        "province_key": "127zgymzN4hAN3hPS6TyrnjiYzIb9NYfrJlVgqA8LHQ="}), encoding="utf-8")
    (boot / "apt.txt").write_text("sane-utils\noverlayroot\n")
    (boot.parent / "cmdline.txt").write_text("console=tty1 root=PARTUUID=1234-02 rootwait vt.global_cursor_default=0\n")
    if read_only_root:
        (boot / "read-only-root").write_text("yes\n")
    (root / "etc").mkdir()
    (root / "etc/fstab").write_text("proc /proc proc defaults 0 0\nPARTUUID=1234-02 / ext4 defaults,noatime 0 1\n")
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")
    return root, boot


def placeholder_wheels(tmp_path: Path) -> Path:
    """A wheelhouse with one wheel that is not the firmware's: first boot makes the venv and installs nothing."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "placeholder-0-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return wheels


def booted_root(image: Path, tmp_path: Path, groups: str = "root:x:0:\n") -> tuple[Path, Path]:
    """A root file system as first boot finds it, holding IMAGE's boot partition: (root, its boot/firmware)."""
    root = tmp_path / "root"
    firmware = root / "boot" / "firmware"
    firmware.mkdir(parents=True)
    subprocess.run(["mcopy", "-s", "-n", "-i", f"{image}@@{8192 * 512}", "::/", str(firmware)], check=True,
                   capture_output=True)
    (root / "etc").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text(groups)
    return root, firmware


def first_boot(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root), "--offline"], capture_output=True,
                          text=True, timeout=120)


def test_read_only_root_waits_for_the_packages_then_keeps_data_on_its_partition(tmp_path: Path) -> None:
    root, boot = prefix(tmp_path, read_only_root=True)
    first = first_boot(root)
    assert first.returncode == 0, first.stderr
    fstab = (root / "etc/fstab").read_text().splitlines()
    assert fstab[-1].split() == ["LABEL=motcua-data", "/var/lib/motcua", "ext4",
                                 "defaults,noatime,nofail,x-systemd.device-timeout=30s", "0", "2"]
    assert "PARTUUID=1234-02 / ext4 defaults,noatime 0 1" in fstab, "the root entry is kept"
    dropin = (root / "etc/systemd/system/var-lib-motcua.mount.d/motcua.conf").read_text()
    assert "OnFailure=motcua-out-of-service.service" in dropin
    journal = (root / "etc/systemd/journald.conf.d/motcua.conf").read_text()
    assert "Storage=volatile" in journal and "RuntimeMaxUse=32M" in journal, "RAM is bounded under the overlay"
    assert "read-only root: waits until the Debian packages (overlayroot among them) are in" in first.stdout
    cmdline = boot.parent / "cmdline.txt"
    assert "overlayroot" not in cmdline.read_text(), "installs after this would live in RAM"

    again = first_boot(root)
    assert (root / "etc/fstab").read_text().splitlines() == fstab, "a second run adds no second line"
    assert again.returncode == 0

    done = retry(root, fake_apt(tmp_path / "up", 0))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "read-only root: on from the next boot (overlayroot=tmpfs:recurse=0 on cmdline.txt)" in done.stdout
    assert cmdline.read_text() == ("overlayroot=tmpfs:recurse=0 console=tty1 root=PARTUUID=1234-02 rootwait "
                                   "vt.global_cursor_default=0\n")


def test_without_read_only_root_nothing_changes_on_the_disk_layout(tmp_path: Path) -> None:
    root, boot = prefix(tmp_path, read_only_root=False)
    result = first_boot(root)
    assert result.returncode == 0, result.stderr
    assert "data partition: none (site read_only_root = no)" in result.stdout
    assert "/var/lib/motcua" not in (root / "etc/fstab").read_text()
    assert "overlayroot" not in (boot.parent / "cmdline.txt").read_text()
    assert not (root / "etc/systemd/system/var-lib-motcua.mount.d").exists()
    assert not (root / "etc/systemd/journald.conf.d").exists(), "logs stay on the card without the overlay"


def test_the_kiosk_never_starts_without_its_data_mount() -> None:
    assert "RequiresMountsFor=/var/lib/motcua" in (REPO / "systemd" / "motcua.service").read_text(encoding="utf-8")


def test_first_boot_takes_over_from_a_provisioned_image(tmp_path: Path) -> None:
    """What provisioning writes is what first boot reads: the boot partition of a read-only-root image, copied
    out of the image, drives first boot in a prefix; Bookworm's firstrun.sh clean-up keeps what was added."""
    from .test_layout import with_root_fs
    from .test_provision import BOOKWORM, SITE, make_image, provision

    base = with_root_fs(make_image(tmp_path / "base.img", BOOKWORM), tmp_path)
    wheels = placeholder_wheels(tmp_path)
    site = tmp_path / "site.toml"
    site.write_text(SITE + 'read_only_root = "yes"\nroot_extra_mb = "100"\nenrolment_token = "t-123"\n')
    image = tmp_path / "kiosk.img"
    made = provision(str(base), "--site", str(site), "--out", str(image), "--wheelhouse", str(wheels))
    assert made.returncode == 0, made.stderr

    root, firmware = booted_root(image, tmp_path)
    first = first_boot(root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "missing from the boot partition" not in first.stdout, first.stdout
    assert (root / "etc/motcua/motcua.toml").read_text(encoding="utf-8").startswith("# written by motcua provision")
    assert (root / "var/lib/motcua/enrolment-token").read_text() == "t-123"
    assert not (firmware / "motcua" / "enrolment-token").exists()
    for unit in ("motcua.service", "motcua-out-of-service.service", "motcua-packages.service"):
        assert (root / "etc/systemd/system" / unit).exists(), unit
    assert "overlayroot" in (root / "var/lib/motcua/apt-pending").read_text().split()
    assert "LABEL=motcua-data" in (root / "etc/fstab").read_text()

    # firstrun.sh's own clean-up, after first boot: the hook goes, the cursor setting stays
    subprocess.run(["sed", "-i", "s| systemd.run.*||g", str(firmware / "cmdline.txt")], check=True)
    assert retry(root, fake_apt(tmp_path / "up", 0)).returncode == 0
    cmdline = (firmware / "cmdline.txt").read_text().split()
    assert cmdline[0] == "overlayroot=tmpfs:recurse=0" and cmdline[-1] == "vt.global_cursor_default=0"
    assert not any(w.startswith(("systemd.run", "init=")) for w in cmdline)


ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0Y2hr0ZxN6M3l0sQm2m3xkUsWcG9wM2wH8QxS3f2b technician@bn"


def test_a_technician_gets_in_with_the_site_keys_and_nothing_else(tmp_path: Path) -> None:
    from .test_provision import BOOKWORM, SITE, make_image, provision

    base = make_image(tmp_path / "base.img", BOOKWORM)
    wheels = placeholder_wheels(tmp_path)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "bn.pub").write_text(f"# the province's technicians\n{ED25519}\n\n", encoding="utf-8")

    def made(keys_line: str, out: str) -> subprocess.CompletedProcess[str]:
        site = tmp_path / f"{out}.toml"
        site.write_text(SITE + keys_line, encoding="utf-8")
        return provision(str(base), "--site", str(site), "--out", str(tmp_path / out), "--wheelhouse", str(wheels))

    for line, expected in (('ssh_keys = "keys/none.pub"\n', "cannot read"),
                           ('ssh_keys = "keys/priv"\n', "holds a PRIVATE key"),
                           ('ssh_keys = "keys/bad.pub"\n', "line 1 is not an SSH public key")):
        (tmp_path / "keys" / "priv").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n")
        (tmp_path / "keys" / "bad.pub").write_text('command="sh" ' + ED25519 + "\n")
        refused = made(line, "refused.img")
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
        assert not (tmp_path / "refused.img").exists()
    done = made('ssh_keys = "keys/bn.pub"\n', "kiosk.img")
    assert done.returncode == 0, done.stderr

    root, firmware = booted_root(tmp_path / "kiosk.img", tmp_path, groups="root:x:0:\nsystemd-journal:x:101:\n")
    first = first_boot(root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 public key(s), password login off, ssh enabled" in first.stdout
    again = first_boot(root)  # twice: the same result
    assert again.returncode == 0 and "technician: done at an earlier boot" in again.stdout
    keys = root / "home/technician/.ssh/authorized_keys"
    assert keys.read_text() == ED25519 + "\n" and keys.stat().st_mode & 0o777 == 0o600
    assert [ln.split(":")[0] for ln in (root / "etc/passwd").read_text().splitlines()].count("technician") == 1
    assert "technician:!:" in (root / "etc/shadow").read_text(), "no password: keys only"
    assert "systemd-journal:x:101:technician" in (root / "etc/group").read_text()
    sshd = (root / "etc/ssh/sshd_config.d/10-motcua.conf").read_text()
    assert "PasswordAuthentication no" in sshd and "AllowUsers technician" in sshd
    assert (root / "etc/systemd/system/multi-user.target.wants/ssh.service").is_symlink()


def test_a_site_with_wifi_and_a_cellular_fallback(tmp_path: Path) -> None:
    from .test_provision import SITE, TRIXIE, make_image, provision

    base = make_image(tmp_path / "base.img", TRIXIE)
    wheels = placeholder_wheels(tmp_path)

    def made(lines: str, out: str) -> subprocess.CompletedProcess[str]:
        site = tmp_path / f"{out}.toml"
        site.write_text(SITE + lines, encoding="utf-8")
        return provision(str(base), "--site", str(site), "--out", str(tmp_path / out), "--wheelhouse", str(wheels))

    for lines, expected in (('wifi_ssid = "UBND-Xa"\nwifi_passphrase = "mk12345678"\n', "needs wifi_country"),
                            ('wifi_ssid = "UBND-Xa"\nwifi_passphrase = "short"\nwifi_country = "VN"\n',
                             "8 to 63 printable ASCII"),
                            ('wifi_ssid = "UBND-Xa"\nwifi_country = "vn"\n', "two capital letters"),
                            ('wifi_ssid = "' + "x" * 33 + '"\nwifi_country = "VN"\n', "1 to 32 bytes"),
                            ('cellular_apn = "m3 world"\n', "an APN such as")):
        refused = made(lines, "refused.img")
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
        assert not (tmp_path / "refused.img").exists()
    done = made('wifi_ssid = "UBND Xã Yên Phong"\nwifi_passphrase = "mật khẩu không dấu? no: ascii only"\n',
                "x.img")
    assert done.returncode == 2 and "8 to 63 printable ASCII" in done.stderr
    done = made('wifi_ssid = " UBND Xã Yên Phong"\nwifi_passphrase = "mk\\\\2026 #1"\nwifi_country = "VN"\n'
                'cellular_apn = "m3-world"\n', "kiosk.img")
    assert done.returncode == 0, done.stderr

    root, firmware = booted_root(tmp_path / "kiosk.img", tmp_path)
    first = first_boot(root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Wi-Fi WPA, cellular, country VN configured" in first.stdout
    connections = root / "etc/NetworkManager/system-connections"
    wifi = (connections / "motcua-wifi.nmconnection").read_text(encoding="utf-8")
    assert "ssid=\\sUBND Xã Yên Phong\n" in wifi and "psk=mk\\\\2026 #1\n" in wifi and "key-mgmt=wpa-psk" in wifi
    assert (connections / "motcua-wifi.nmconnection").stat().st_mode & 0o777 == 0o600
    cellular = (connections / "motcua-cellular.nmconnection").read_text()
    assert "type=gsm" in cellular and "apn=m3-world" in cellular and "autoconnect-priority=-10" in cellular
    assert (root / "etc/modprobe.d/motcua-wifi-country.conf").read_text() == "options cfg80211 ieee80211_regdom=VN\n"
    assert not (firmware / "motcua" / "network.json").exists(), "the passphrase leaves the boot partition"
    again = first_boot(root)
    assert again.returncode == 0 and "network: done at an earlier boot" in again.stdout
    assert (connections / "motcua-wifi.nmconnection").read_text(encoding="utf-8") == wifi


STEPS = ("user", "technician", "network", "data partition", "files", "identity", "units", "venv", "swap", "packages",
         "read-only root")


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if ".partial" not in p.name}


def test_a_failed_step_is_retried_at_the_next_boot_and_the_kiosk_waits_out_of_service(tmp_path: Path) -> None:
    root, boot = prefix(tmp_path, read_only_root=False)
    broken = boot / "wheelhouse" / "motcua-0.1.0-py3-none-any.whl"
    broken.write_bytes(b"not a wheel")  # pip install fails on it, as on a wheelhouse for the wrong Python
    first = first_boot(root)
    assert first.returncode == 1
    assert "venv: FAILED (" in first.stdout and "tried again at the next boot" in first.stdout
    assert "NOT FINISHED, the kiosk stays out of service" in first.stdout
    pending = (root / "var/lib/motcua/firstboot-pending").read_text()
    assert pending.startswith("venv: ") and "pip install" in pending
    wants = root / "etc/systemd/system/multi-user.target.wants"
    assert (wants / "motcua-firstboot.service").is_symlink(), "the retry unit is in place for the next boot"
    assert (root / "etc/dphys-swapfile").exists(), "the steps after the failed one still ran"
    done = json.loads((root / "var/lib/motcua/firstboot.json").read_text())["done"]
    assert "venv" not in done and {"user", "files", "units", "swap"} <= set(done)

    broken.unlink()  # the technician puts the right wheelhouse on the boot partition
    second = first_boot(root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "user: done at an earlier boot" in second.stdout and "first boot: finished" in second.stdout
    assert not (root / "var/lib/motcua/firstboot-pending").exists()
    assert set(json.loads((root / "var/lib/motcua/firstboot.json").read_text())["done"]) == set(STEPS)
    unit = (REPO / "systemd" / "motcua.service").read_text()
    assert "ConditionPathExists=!/var/lib/motcua/firstboot-pending" in unit


def test_a_power_cut_after_any_step_resumes_to_the_same_kiosk(tmp_path: Path) -> None:
    import shutil

    clean, _ = prefix(tmp_path / "clean", read_only_root=True)
    assert first_boot(clean).returncode == 0
    expected = tree(clean)
    for step in STEPS:
        root, _ = prefix(tmp_path / step.replace(" ", "-"), read_only_root=True)
        cut = subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root), "--offline"], capture_output=True,
                             text=True, timeout=120, env={**os.environ, "MOTCUA_FIRSTBOOT_CUT_AFTER": step})
        assert cut.returncode == 137, (step, cut.stdout, cut.stderr)
        resumed = first_boot(root)
        assert resumed.returncode == 0, (step, resumed.stdout + resumed.stderr)
        assert f"{step}: done at an earlier boot" in resumed.stdout or step in ("packages", "read-only root")
        assert tree(root) == expected, (step, tree(root) ^ expected)
        shutil.rmtree(root.parent)


def test_the_out_of_service_screen_says_first_boot_is_not_finished(tmp_path: Path) -> None:
    """`motcua out-of-service` (the unit first boot starts while a step is left) names the reason for staff."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[outbox]\npath = "{tmp_path / "outbox.db"}"\n[display]\ndriver = "offscreen"\n')
    (tmp_path / "firstboot-pending").write_text("venv: pip install exited 1\n")
    shown = subprocess.run([sys.executable, "-m", "firmware", "out-of-service", "--config", str(config), "--once"],
                           capture_output=True, text=True, cwd=REPO, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "reason setup" in shown.stderr, shown.stderr
    (tmp_path / "firstboot-pending").unlink()
    crashed = subprocess.run([sys.executable, "-m", "firmware", "out-of-service", "--config", str(config), "--once"],
                             capture_output=True, text=True, cwd=REPO, timeout=60)
    assert crashed.returncode == 0 and "reason crashes" in crashed.stderr, crashed.stderr


def tiny_wheel(directory: Path, name: str = "motcua", version: str = "0.0.1") -> Path:
    """A real wheel with one module that has a docstring (pip installs it offline, as the firmware's)."""
    import base64
    import hashlib
    import zipfile

    info = f"{name}-{version}.dist-info"
    files = {"motcua_probe.py": '"""Kept only without PYTHONOPTIMIZE=2."""\nVALUE = 1\n',
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode().rstrip("=")

    record = "".join(f"{path},sha256={digest(text)},{len(text.encode())}\n" for path, text in files.items())
    record += f"{info}/RECORD,,\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in {**files, f"{info}/RECORD": record}.items():
            archive.writestr(path, text)
    return wheel


def test_the_firmware_s_bytecode_is_compiled_for_the_unit_s_optimization(tmp_path: Path) -> None:
    """motcua.service runs Python with PYTHONOPTIMIZE=2 under ProtectSystem=strict: it cannot write that bytecode
    itself, so first boot makes it, or every start would compile every module again."""
    unit = (REPO / "systemd" / "motcua.service").read_text()
    assert "PYTHONOPTIMIZE=2" in next(line for line in unit.splitlines() if line.startswith("Environment="))
    root, boot = prefix(tmp_path, read_only_root=False)
    tiny_wheel(boot / "wheelhouse")
    done = first_boot(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bytecode: compiled for PYTHONOPTIMIZE=2" in done.stdout
    compiled = list((root / "opt/motcua/venv/lib").glob("python3*/site-packages/__pycache__/motcua_probe.*.opt-2.pyc"))
    assert len(compiled) == 1
