"""`motcua provision image` on small synthetic disk images shaped like each base image kind (no root)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

KEY = "127zgymzN4hAN3hPS6TyrnjiYzIb9NYfrJlVgqA8LHQ="
SITE = ('kiosk_id = "bn-yenphong-01"\nprovince_code = "bn"\nprovince_name = "Tỉnh Bắc Ninh"\n'
        'commune_name = "Xã Yên Phong"\nbroker_host = "mqtt.example.invalid"\n'
        'province_key = "127zgymzN4hAN3hPS6TyrnjiYzIb9NYfrJlVgqA8LHQ="\n')


def make_image(path: Path, files: dict[str, str], size_mb: int = 48) -> Path:
    """An MBR disk with a FAT boot partition at sector 8192 holding `files`, like a Raspberry Pi OS image."""
    with path.open("wb") as disk:
        disk.truncate(size_mb * 2**20)
    layout = "label: dos\nstart=8192, size=65536, type=c\nstart=73728, type=83\n"
    subprocess.run(["sfdisk", "--quiet", str(path)], input=layout, text=True, check=True, capture_output=True)
    subprocess.run(["mkfs.vfat", "--offset", "8192", "-n", "bootfs", str(path), str(65536 // 2)], check=True,
                   capture_output=True)
    for name, text in files.items():
        local = path.parent / name
        local.write_text(text, encoding="utf-8")
        subprocess.run(["mcopy", "-i", f"{path}@@{8192 * 512}", str(local), f"::/{name}"], check=True,
                       capture_output=True)
    return path


BOOKWORM = {"cmdline.txt": "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 "
                           "fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n",
            "config.txt": "arm_64bit=1\n", "issue.txt": "Raspberry Pi reference 2024-11-19\n"}
TRIXIE = {"cmdline.txt": "console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait resize\n",
          "config.txt": "arm_64bit=1\n",
          "user-data": "#cloud-config\n", "meta-data": "instance-id: rpios-image\n"}


TWO_SITES = ("kiosk_id,province_code,province_name,commune_name,broker_host,province_key\n"
             f"bn-yenphong-01,bn,Tỉnh Bắc Ninh,Xã Yên Phong,mqtt.bn.invalid,{KEY}\n"
             f"bn-tuson-01,bn,Tỉnh Bắc Ninh,Phường Từ Sơn,mqtt.bn.invalid,{KEY}\n")


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "provision", "image", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120)


def read(image: Path, name: str) -> str:
    return subprocess.run(["mtype", "-i", f"{image}@@{8192 * 512}", f"::/{name}"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("kind,files", [("bookworm", BOOKWORM), ("trixie", TRIXIE)])
def test_each_base_image_kind(tmp_path: Path, wheelhouse: Path, kind: str, files: dict[str, str]) -> None:
    base = make_image(tmp_path / "base.img", files)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert result.returncode == 0, result.stderr
    assert f"({kind} base image)" in result.stdout
    config = read(out, "motcua/motcua.toml")
    assert 'id = "bn-yenphong-01"' in config and 'commune_name = "Xã Yên Phong"' in config
    assert "motcua-0.1.0-py3-none-any.whl" in subprocess.run(
        ["mdir", "-b", "-i", f"{out}@@{8192 * 512}", "::/motcua/wheelhouse"], capture_output=True, text=True).stdout
    cmdline = read(out, "cmdline.txt")
    kept = files["cmdline.txt"].strip().removeprefix("console=serial0,115200 ")
    assert cmdline.startswith(kept + " vt.global_cursor_default=0"), cmdline
    assert "console=serial0" not in cmdline, "a getty on the UART would eat the QR module's data"
    if kind == "bookworm":
        assert "vt.global_cursor_default=0 systemd.run=/boot/firmware/firstrun.sh" in cmdline
        assert "/boot/firmware/motcua/firstboot" in read(out, "firstrun.sh")
    else:
        assert read(out, "user-data").startswith("#cloud-config") and "motcua/firstboot" in read(out, "user-data")
    assert read(base, "cmdline.txt") == files["cmdline.txt"], "the base image is left as it was"


@pytest.mark.parametrize("problem,expected", [
    ("not_an_image", "not a disk image (no partition table)"),
    ("no_fat", "no FAT boot partition in the partition table"),
    ("unsupported", "unsupported base image"),
    ("bad_site", "unknown key 'kiosk_name'"),
    ("missing_key", "missing key 'broker_host'"),
    ("bad_id", "kiosk_id = 'Kiosk 1': expected"),
    ("no_wheels", "no wheels in the wheelhouse"),
])
def test_bad_input_stops_with_a_message_and_writes_nothing(tmp_path: Path, wheelhouse: Path, problem: str,
                                                           expected: str) -> None:
    base = tmp_path / "base.img"
    if problem == "not_an_image":
        base.write_bytes(b"hello" * 1000)
    elif problem == "no_fat":
        with base.open("wb") as disk:
            disk.truncate(8 * 2**20)
        subprocess.run(["sfdisk", "--quiet", str(base)], input="label: dos\nstart=2048, type=83\n", text=True,
                       check=True, capture_output=True)
    else:
        make_image(base, {"readme.txt": "x"} if problem == "unsupported" else BOOKWORM)
    site_text = {"bad_site": SITE + 'kiosk_name = "x"\n',
                 "missing_key": SITE.replace('broker_host = "mqtt.example.invalid"\n', ""),
                 "bad_id": SITE.replace('"bn-yenphong-01"', '"Kiosk 1"')}.get(problem, SITE)
    site = tmp_path / "site.toml"
    site.write_text(site_text, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    wheels = empty if problem == "no_wheels" else wheelhouse
    out = tmp_path / "out" / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheels))
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(out.parent.glob("*")) if out.parent.exists() else True


def test_no_room_on_the_boot_partition(tmp_path: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    big = tmp_path / "big"
    big.mkdir()
    (big / "huge-1.0-py3-none-any.whl").write_bytes(b"\0" * 40 * 2**20)
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(big))
    assert result.returncode == 2 and "no room on the boot partition" in result.stderr
    assert not out.exists() and list(tmp_path.glob(".kiosk.img.*")) == []


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink() else b"")
            for p in sorted(root.rglob("*")) if "venv" not in p.parts}


def test_first_boot_into_a_prefix_twice(tmp_path: Path) -> None:
    root = tmp_path / "root"
    boot = root / "boot" / "firmware" / "motcua"
    (boot / "wheelhouse").mkdir(parents=True)
    from provisioning.image import kiosk_config

    (boot / "motcua.toml").write_text(kiosk_config({
        "kiosk_id": "bn-yenphong-01", "province_code": "bn", "province_name": "Tỉnh Bắc Ninh",
        "commune_name": "Xã Yên Phong", "broker_host": "mqtt.example.invalid",
        "province_key": "127zgymzN4hAN3hPS6TyrnjiYzIb9NYfrJlVgqA8LHQ="}), encoding="utf-8")
    (boot / "enrolment-token").write_text("one-time-123")
    (boot / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nthe province's\n-----END CERTIFICATE-----\n")
    (boot / "csca.pem").write_text("-----BEGIN CERTIFICATE-----\nthe issuer's\n-----END CERTIFICATE-----\n")
    (boot / "apt.txt").write_text("# what the scanner needs\nsane-utils  # scanimage\n")
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n")
    (root / "etc" / "group").write_text("root:x:0:\nvideo:x:44:pi\ngpio:x:997:pi\n")
    import shutil as _shutil

    _shutil.copytree(REPO / "systemd", boot / "systemd")
    script = REPO / "provisioning" / "firstboot"
    first = subprocess.run([sys.executable, str(script), "--root", str(root), "--offline"], capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "motcua firstboot: user motcua in video render input gpio dialout lp scanner audio: created" in first.stdout
    after_first = tree(root)
    second = subprocess.run([sys.executable, str(script), "--root", str(root), "--offline"], capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert tree(root) == after_first, "a second run changes nothing"
    assert "user: done at an earlier boot" in second.stdout and "identity: done at an earlier boot" in second.stdout
    groups = (root / "etc" / "group").read_text()
    assert "video:x:44:pi,motcua" in groups and "gpio:x:997:pi,motcua" in groups
    assert (root / "etc" / "hostname").read_text() == "bn-yenphong-01\n"
    assert (root / "etc/systemd/system/multi-user.target.wants/motcua.service").is_symlink()
    assert (root / "etc/systemd/system/motcua.service").read_text() == (REPO / "systemd/motcua.service").read_text()
    assert not (boot / "enrolment-token").exists()
    assert (root / "var/lib/motcua/enrolment-token").read_text() == "one-time-123"
    assert (root / "etc/motcua/ca.crt").read_text() == (boot / "ca.crt").read_text()
    assert (root / "etc/motcua/csca/site.pem").read_text() == (boot / "csca.pem").read_text()
    assert (root / "var/lib/motcua/keys/kiosk.key").stat().st_mode & 0o777 == 0o600
    assert (root / "etc/dphys-swapfile").read_text() == "CONF_SWAPSIZE=0\n"
    assert (root / "etc/rpi/swap.conf.d/90-motcua.conf").read_text() == "[Main]\nMechanism=none\n"
    assert (root / "etc/modprobe.d/motcua-printer.conf").read_text() == "blacklist usblp\n"
    assert (root / "var/lib/motcua/apt-pending").read_text() == "sane-utils\n"
    wants = root / "etc/systemd/system/multi-user.target.wants"
    assert (wants / "motcua-packages.service").is_symlink()
    assert str((root / "etc/systemd/system/userconfig.service").readlink()) == "/dev/null"
    assert (root / "opt/motcua/firstboot").read_bytes() == script.read_bytes()


def test_first_boot_on_an_image_that_was_not_provisioned(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(REPO / "provisioning" / "firstboot"), "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "is this a provisioned image?" in result.stderr


def test_batch_one_image_per_site(tmp_path: Path, wheelhouse: Path) -> None:
    base = make_image(tmp_path / "base.img", TRIXIE)
    sites = tmp_path / "sites.csv"
    sites.write_text(TWO_SITES, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "firmware", "provision", "batch", str(sites), "--base", str(base),
                             "--out", str(tmp_path / "out"), "--wheelhouse", str(wheelhouse)], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bn-tuson-01.img", "bn-yenphong-01.img",
                                                                 "os_list.json"]
    assert 'commune_name = "Phường Từ Sơn"' in read(tmp_path / "out" / "bn-tuson-01.img", "motcua/motcua.toml")
    assert "firstboot" in read(tmp_path / "out" / "bn-tuson-01.img", "motcua/firstboot")
    sites.write_text("kiosk_id,province_code\nBAD ID,bn\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "firmware", "provision", "batch", str(sites), "--base", str(base),
                             "--out", str(tmp_path / "out2"), "--wheelhouse", str(wheelhouse)], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2 and "row 2" in result.stderr


def test_site_values_with_quotes_and_backslashes_give_a_config_the_kiosk_loads(tmp_path: Path,
                                                                              wheelhouse: Path) -> None:
    from firmware.runtime.config import parse

    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    site.write_text(SITE.replace('commune_name = "Xã Yên Phong"', "commune_name = 'Xã \"Yên Phong\" \\\\ 2'"),
                    encoding="utf-8")
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert result.returncode == 0, result.stderr
    config = parse(read(out, "motcua/motcua.toml"), "motcua.toml")
    assert config.kiosk.commune_name == 'Xã "Yên Phong" \\\\ 2'  # the literal string keeps both
    assert config.mqtt.host == "mqtt.example.invalid" and config.mqtt.port == 8883


@pytest.mark.parametrize("line,expected", [
    ('commune_name = "Xã Yên\\nPhong"', "no newlines or control characters"),
    ('commune_name = "x\\"\\n[mqtt]\\nhost = \\"evil\\""', "no newlines or control characters"),
    ('broker_port = "70000"', "expected 1 to 65535"),
    ('broker_port = "0"', "expected 1 to 65535"),
    ('broker_host = "mqtt example"', "a host name or address"),
    ('printer_connection = "serial:/dev/ttyUSB0\\"x"', "usb:VID:PID"),
])
def test_site_values_that_would_break_the_config_are_refused(tmp_path: Path, wheelhouse: Path, line: str,
                                                             expected: str) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    key = line.split(" = ")[0]
    text = "\n".join(row for row in SITE.splitlines() if not row.startswith(key + " ")) + "\n" + line + "\n"
    site.write_text(text, encoding="utf-8")
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert not out.exists() and "Traceback" not in result.stderr


def test_a_site_with_the_province_ca_gets_tls_and_enrolment(tmp_path: Path, wheelhouse: Path) -> None:
    from province.pki import Authority

    ca = Authority.init(tmp_path / "ca", "bn")
    token = ca.new_token("bn-yenphong-01")
    base = make_image(tmp_path / "base.img", TRIXIE)
    site = tmp_path / "site.toml"
    site.write_text(SITE + f'broker_ca = "ca/ca.crt"\nenrolment_token = "{token}"\n'
                    f'operator_key = "{ca.operator_public()}"\n', encoding="utf-8")

    def provision(site_file: Path, out: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "firmware", "provision", "image", str(base), "--site",
                               str(site_file), "--out", str(tmp_path / out), "--wheelhouse", str(wheelhouse)],
                              capture_output=True, text=True, cwd=REPO, timeout=120)

    made = provision(site, "kiosk.img")
    assert made.returncode == 0, made.stderr
    config = read(tmp_path / "kiosk.img", "motcua/motcua.toml")
    for line in ('ca_file = "/etc/motcua/ca.crt"', 'cert_file = "/var/lib/motcua/keys/kiosk.crt"',
                 'token_file = "/var/lib/motcua/enrolment-token"', "enrol_port = 8884",
                 f'province_key = "{KEY}"', f'operator_key = "{ca.operator_public()}"'):
        assert line in config
    assert read(tmp_path / "kiosk.img", "motcua/ca.crt") == (tmp_path / "ca" / "ca.crt").read_text()
    assert read(tmp_path / "kiosk.img", "motcua/enrolment-token") == token
    no_token = tmp_path / "no-token.toml"
    no_token.write_text(SITE + 'broker_ca = "ca/ca.crt"\n', encoding="utf-8")
    refused = provision(no_token, "x.img")
    assert refused.returncode == 2 and "broker_ca needs enrolment_token" in refused.stderr
    bad_key = tmp_path / "bad-key.toml"
    bad_key.write_text(SITE + 'operator_key = "not a key"\n', encoding="utf-8")
    refused = provision(bad_key, "z.img")
    assert refused.returncode == 2 and "operator_key" in refused.stderr, refused.stderr
    not_pem = tmp_path / "not-pem.toml"
    not_pem.write_text(SITE + 'broker_ca = "site.toml"\nenrolment_token = "t"\n', encoding="utf-8")
    refused = provision(not_pem, "y.img")
    assert refused.returncode == 2 and "is not a PEM certificate" in refused.stderr
    assert not (tmp_path / "x.img").exists() and not (tmp_path / "y.img").exists()


@pytest.mark.parametrize("files,expected", [
    ({**BOOKWORM, "kernel7l.img": "", "kernel8.img": ""}, "a 32-bit Raspberry Pi OS (kernel7l.img"),
    ({**TRIXIE, "config.txt": "[pi4]\n#arm_64bit=1\narm_64bit=0\n"}, "does not set arm_64bit=1"),
    ({**BOOKWORM, "config.txt": "dtparam=audio=on\n"}, "does not set arm_64bit=1"),
])
def test_a_32_bit_base_is_refused_before_any_download(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    base = make_image(tmp_path / "base.img", files)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    out = tmp_path / "out" / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out))  # no --wheelhouse: it would download
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert not list((tmp_path / "out").glob(".wheelhouse-*")) and not out.exists(), "checked before the download"


def test_a_batch_saved_by_a_spreadsheet(tmp_path: Path, wheelhouse: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    key = "127zgymzN4hAN3hPS6TyrnjiYzIb9NYfrJlVgqA8LHQ="
    sites = tmp_path / "sites.csv"

    def batch(text: str) -> subprocess.CompletedProcess[str]:
        sites.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))  # BOM, CRLF: "CSV UTF-8"
        return subprocess.run([sys.executable, "-m", "firmware", "provision", "batch", str(sites), "--base",
                               str(base), "--out", str(tmp_path / "out"), "--wheelhouse", str(wheelhouse)],
                              capture_output=True, text=True, cwd=REPO, timeout=120)

    header = "kiosk_id;province_code;province_name;commune_name;broker_host;broker_port;province_key\n"
    done = batch(header + f'bn-yenphong-01;bn;Tỉnh Bắc Ninh;"Xã Yên Phong; thôn 3";mqtt.bn.invalid;8883;{key}\n'
                 f"\nbn-tuson-01;bn;Tỉnh Bắc Ninh;Phường Từ Sơn;mqtt.bn.invalid;;{key}\n")
    assert done.returncode == 0, done.stderr
    assert 'commune_name = "Xã Yên Phong; thôn 3"' in read(tmp_path / "out" / "bn-yenphong-01.img",
                                                           "motcua/motcua.toml")
    assert (tmp_path / "out" / "bn-tuson-01.img").exists()
    bad = batch(header + f"bn-a-01;bn;Tỉnh Bắc Ninh;Xã A;mqtt.bn.invalid;8883;{key}\n"
                f"bn-b-01;bn;Tỉnh Bắc Ninh;Xã B;mqtt.bn.invalid;88830;{key}\n")
    assert bad.returncode == 2 and "sites.csv row 3, column broker_port" in bad.stderr, bad.stderr
    commas = batch(header.replace(";", ",") + f"bn-c-01,bn,Tỉnh Bắc Ninh,Xã C,mqtt bn,8883,{key}\n")
    assert commas.returncode == 2 and "row 2, column broker_host" in commas.stderr, commas.stderr
    empty = batch(header + f";bn;Tỉnh Bắc Ninh;Xã D;mqtt.bn.invalid;8883;{key}\n")
    assert empty.returncode == 2 and "row 2, column kiosk_id: empty" in empty.stderr, empty.stderr


def index_reachable(tmp_path: Path) -> bool:
    probe = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                            "--python-version", "3.11", "--platform", "manylinux2014_aarch64", "-d", str(tmp_path),
                            "msgpack>=1.0"], capture_output=True, text=True, timeout=300)
    return probe.returncode == 0


@pytest.mark.parametrize("kind,numpy", [("bookworm", "1.24.2"), ("trixie", "2.2.4")])
def test_the_real_aarch64_wheelhouse_keeps_debians_numpy(tmp_path: Path, kind: str, numpy: str) -> None:
    """Resolved by pip for the image's Python and aarch64 (a dry run), as provisioning would download it."""
    from provisioning.wheelhouse import requirements, resolve

    assert f"numpy=={numpy}" in requirements(kind)
    if not index_reachable(tmp_path):
        pytest.skip("no package index reachable from this machine: the resolution cannot be tried")
    resolved = resolve(kind)
    assert resolved["numpy"] == numpy, "a venv numpy of another ABI shadows Debian's (picamera2, simplejpeg)"
    assert {"pygame-ce", "cryptography", "paho-mqtt", "zxing-cpp", "pillow", "gpiozero"} <= set(resolved)


def test_the_technician_pin_is_kept_only_hashed_and_an_easy_one_refused(tmp_path: Path, wheelhouse: Path) -> None:
    from firmware.common.technician import pin_matches
    from firmware.runtime.config import parse

    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    for pin, expected in (("1234", "too easy to guess"), ("7777", "too easy to guess"), ("12ab", "4 to 8 digits"),
                          ("123456789", "4 to 8 digits")):
        site.write_text(SITE + f'technician_pin = "{pin}"\n', encoding="utf-8")
        refused = provision(str(base), "--site", str(site), "--out", str(tmp_path / "x.img"), "--wheelhouse",
                            str(wheelhouse))
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
    site.write_text(SITE + 'technician_pin = "482915"\n', encoding="utf-8")
    done = provision(str(base), "--site", str(site), "--out", str(tmp_path / "kiosk.img"), "--wheelhouse",
                     str(wheelhouse))
    assert done.returncode == 0, done.stderr
    text = read(tmp_path / "kiosk.img", "motcua/motcua.toml")
    assert "482915" not in text
    assert pin_matches("482915", parse(text).security.technician_pin_hash)
