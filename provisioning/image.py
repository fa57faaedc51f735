"""`motcua provision image`: a stock Raspberry Pi OS Lite image becomes one site's kiosk image.

No root and no loop mounts: the FAT boot partition is found from the MBR and written with mtools
(`image@@offset`). The first-boot hook is installed the way Raspberry Pi Imager does it for that image:
`firstrun.sh` through `systemd.run=` on `cmdline.txt` (Bookworm), or cloud-init `user-data` (Trixie). Output is
written to a temporary file and renamed only when complete, so a failure leaves no half-written image.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import tomli_w

from provisioning.access import authorized_keys, technician_pin_hash
from provisioning.base_image import BootPartition, ProvisionError, examine_base, mtools
from provisioning.layout import LayoutError, add_data_partition, without_resize
from provisioning.network import network_json
from provisioning.outputs import imager_os_list, pack, sparse_copy
from provisioning.wheelhouse import build_wheelhouse, wheels_in

BOOT_DIR = "/boot/firmware"
CURSOR_OFF = "vt.global_cursor_default=0"
SITE_KEYS = {
    # key: (required, pattern or None, what it is)
    "kiosk_id": (True, r"^[a-z0-9-]{3,24}$", "kiosk id, also the hostname: 3 to 24 of a-z, 0-9 and '-'"),
    "province_code": (True, r"^[a-z0-9-]{2,24}$", "province code, a topic level"),
    "province_name": (True, None, "province name, shown on screen"),
    "commune_name": (True, None, "commune name, shown on screen"),
    "broker_host": (True, r"^[A-Za-z0-9.:-]{1,253}$", "the provincial MQTT broker: a host name or address"),
    "broker_port": (False, r"^\d{1,5}$", "broker port, 1 to 65535 (default 8883)"),
    "printer_connection": (False, r"^(usb:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}|serial:/dev/[A-Za-z0-9/_.-]+(:\d{3,7})?|"
                           r"network:[A-Za-z0-9.:-]+)$",
                           "usb:VID:PID, serial:/dev/ttyUSB0[:baud] or network:HOST[:PORT]"),
    "display_rotate": (False, r"^(0|90|180|270)$", "panel rotation"),
    "card_reader": (False, r"^(yes|no)$", "yes: an ID card reader (PC/SC, contactless or contact) is fitted "
                    "(default no)"),
    "province_key": (True, r"^[A-Za-z0-9+/]{43}=$", "the province's seal key: 44 characters of base64, as "
                     "`motcua ca init` prints it (dossiers are sealed to it)"),
    "operator_key": (False, r"^[A-Za-z0-9+/]{43}=$", "the province's operator key (`motcua ca init` prints it): "
                     "signed operator commands are run, others refused"),
    "enrolment_token": (False, None, "one-time token, deleted from the boot partition once used"),
    "broker_ca": (False, None, "the province's CA certificate, a PEM file (`motcua ca init`'s ca.crt), its path "
                  "relative to the site file: the kiosk enrols with enrolment_token and connects over TLS"),
    "csca": (False, None, "the ID card issuer's CSCA certificates, one PEM file (one or more certificates), its path "
             "relative to the site file: installed in /etc/motcua/csca/ so the kiosk verifies what chips say"),
    "ssh_keys": (False, None, "a file of SSH public keys (authorized_keys format), its path relative to the site "
                 "file: the technician logs in with them (no password login)"),
    "technician_pin": (False, None, "this kiosk's technician PIN, 4 to 8 digits (kept only hashed): technician "
                       "mode asks for it"),
    "wifi_ssid": (False, None, "the Wi-Fi network's name (needs wifi_country)"),
    "wifi_passphrase": (False, None, "the Wi-Fi passphrase (WPA2/WPA3 personal); none: an open network"),
    "wifi_country": (False, None, "the two-letter country code of the Wi-Fi's regulatory domain, VN in Vietnam"),
    "cellular_apn": (False, None, "a cellular modem's APN (e.g. m3-world, v-internet): the fallback link"),
    "enrol_port": (False, r"^\d{1,5}$", "the broker's enrolment listener (default 8884)"),
    "read_only_root": (False, r"^(yes|no)$", "yes: read-only root (overlay) and a data partition (default no)"),
    "root_extra_mb": (False, r"^\d{3,5}$", "MB added to the root file system with read_only_root (default 1024)"),
    "data_partition_mb": (False, r"^\d{4,6}$", "MB of the data partition with read_only_root (1024 or more)"),
}


MAX_VALUE = 200
ConfigCheck = Callable[[str, str], object]  # (config text, where) -> raises on a config the kiosk would refuse


def load_site(path: Path) -> dict[str, str]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProvisionError(f"{path}: cannot read the site file ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{path}: not valid TOML: {exc}") from None
    return with_files(check_site({k: str(v) for k, v in raw.items()}, str(path)), path.parent, str(path))


def with_files(site: dict[str, str], folder: Path, source: str) -> dict[str, str]:
    """The files a site names (broker_ca, ssh_keys), resolved against its folder and checked."""
    site = with_pem(with_broker_ca(site, folder, source), "csca", folder, source)
    network_json(site, source)  # checked now; written by _write
    if site.get("technician_pin"):
        site = {**site, "technician_pin": technician_pin_hash(site["technician_pin"], source)}
    if site.get("ssh_keys"):
        keys = authorized_keys((folder / site["ssh_keys"]).resolve(), source, site["ssh_keys"])
        site = {**site, "ssh_keys": keys}
    return site


def with_pem(site: dict[str, str], key: str, folder: Path, source: str, hint: str = "") -> dict[str, str]:
    """A site file's certificate file resolved against its folder and checked to be PEM certificates."""
    if not site.get(key):
        return site
    path = (folder / site[key]).resolve()
    try:
        text = path.read_bytes().decode("ascii", errors="replace")
    except OSError as exc:
        raise ProvisionError(f"{source}: {key} = {site[key]!r}: cannot read {path} ({exc})") from None
    if "-----BEGIN CERTIFICATE-----" not in text or "PRIVATE KEY" in text:
        raise ProvisionError(f"{source}: {key} = {site[key]!r}: {path} is not a PEM certificate{hint}")
    return {**site, key: str(path)}


def with_broker_ca(site: dict[str, str], folder: Path, source: str) -> dict[str, str]:
    """`broker_ca` resolved against the site file's folder and checked to be a PEM certificate."""
    if not site.get("broker_ca"):
        return site
    site = with_pem(site, "broker_ca", folder, source, " (give the ca.crt that `motcua ca init` made)")
    if not site.get("enrolment_token"):
        raise ProvisionError(f"{source}: broker_ca needs enrolment_token (`motcua ca token {site['kiosk_id']}`): "
                             "without it the kiosk has no way to get its certificate")
    return site


def check_site(site: dict[str, str], source: str, tabular: bool = False) -> dict[str, str]:
    """The site's values checked; `tabular` (a CSV row) names the column of a bad value."""
    def at(key: str) -> str:
        return f"{source}, column {key}: {key}" if tabular else f"{source}: {key}"

    unknown = sorted(set(site) - set(SITE_KEYS))
    if unknown:
        raise ProvisionError(f"{source}: unknown {'column' if tabular else 'key'} {unknown[0]!r}; expected "
                             f"{', '.join(SITE_KEYS)}")
    for key, (required, pattern, what) in SITE_KEYS.items():
        value = site.get(key, "")
        if required and not value.strip():
            raise ProvisionError(f"{source}, column {key}: empty ({what})" if tabular else
                                 f"{source}: missing key {key!r} ({what})")
        if len(value) > MAX_VALUE or any(unicodedata.category(c) == "Cc" for c in value):
            raise ProvisionError(f"{at(key)} = {value!r}: expected one line of at most {MAX_VALUE} characters "
                                 "(no newlines or control characters)")
        if value and pattern and not re.fullmatch(pattern, value):
            raise ProvisionError(f"{at(key)} = {value!r}: expected {what}")
    for key, default in (("broker_port", 8883), ("enrol_port", 8884)):
        if not 1 <= int(site.get(key) or default) <= 65535:
            raise ProvisionError(f"{at(key)} = {site[key]!r}: expected 1 to 65535")
    if layout_sizes(site)[1] < 1024:
        raise ProvisionError(f"{at('data_partition_mb')} = {site['data_partition_mb']}: expected 1024 or more "
                             "(the outbox may use 512 MB and keeps 200 MB free)")
    return site


def is_read_only(site: dict[str, str]) -> bool:
    return site.get("read_only_root") == "yes"


def layout_sizes(site: dict[str, str]) -> tuple[int, int]:
    """MB added to root, and MB of the data partition, for a read-only root (the site's values or 1024 each)."""
    return int(site.get("root_extra_mb") or 1024), int(site.get("data_partition_mb") or 1024)


def kiosk_config(site: dict[str, str]) -> str:
    """The kiosk's motcua.toml, written by a TOML writer: a quote, a backslash or a newline in a site value stays
    inside its string."""
    printer = site.get("printer_connection", "")
    mqtt: dict[str, object] = {"enabled": True, "host": site["broker_host"],
                               "port": int(site.get("broker_port") or 8883)}
    if site.get("broker_ca"):  # TLS: the certificate comes from enrolment with the one-time token
        mqtt.update({"ca_file": "/etc/motcua/ca.crt", "cert_file": "/var/lib/motcua/keys/kiosk.crt",
                     "key_file": "/var/lib/motcua/keys/kiosk.key", "token_file": "/var/lib/motcua/enrolment-token",
                     "enrol_port": int(site.get("enrol_port") or 8884)})
    config = {
        "kiosk": {"id": site["kiosk_id"], "province_code": site["province_code"],
                  "province_name": site["province_name"], "commune_name": site["commune_name"],
                  "clock_check": "systemd"},
        "display": {"driver": "kmsdrm", "rotate": int(site.get("display_rotate") or 90)},
        "camera": {"backend": "pi"}, "gpio": {"factory": "lgpio"}, "backlight": {"backend": "sysfs"},
        "scanner": {"backend": "sane"}, "voice": {"backend": "mixer"},
        "cardreader": {"backend": "pcsc" if site.get("card_reader") == "yes" else "none"},
        "printer": {"backend": "escpos" if printer else "none", "connection": printer},
        "outbox": {"path": "/var/lib/motcua/outbox.db"},
        "mqtt": mqtt,
        "security": {"province_key": site["province_key"], "operator_key": site.get("operator_key", ""),
                     "technician_pin_hash": site.get("technician_pin", "")},
    }
    return "# written by motcua provision for this site; see docs/config.md\n" + tomli_w.dumps(config)


def verify_config(site: dict[str, str], source: str, check_config: ConfigCheck | None) -> None:
    """Parse the config this site would get with the kiosk's own loader, before any image is written."""
    if check_config is None:
        return
    try:
        check_config(kiosk_config(site), f"{source} (the kiosk's motcua.toml)")
    except Exception as exc:  # the kiosk's ConfigError; provisioning does not import the kiosk's code
        raise ProvisionError(str(exc)) from None


def first_boot_hook(kind: str) -> dict[str, str]:
    """Files for the boot partition's root that run motcua's first boot once, as Raspberry Pi Imager does."""
    command = f"{BOOT_DIR}/motcua/firstboot"
    if kind == "bookworm":
        script = ("#!/bin/bash\n# motcua: run once by systemd.run= on cmdline.txt, then removed\nset +e\n"
                  f"bash {command} >> /var/log/motcua-firstboot.log 2>&1\n"
                  f"rm -f {BOOT_DIR}/firstrun.sh\n"
                  f"sed -i 's| systemd.run.*||g' {BOOT_DIR}/cmdline.txt\nexit 0\n")
        return {"firstrun.sh": script}
    user_data = ("#cloud-config\n# motcua: first boot\nruncmd:\n"
                 f"  - [bash, -c, 'bash {command} >> /var/log/motcua-firstboot.log 2>&1']\n")
    return {"user-data": user_data}


def provision(base: Path, site_path: Path, out: Path, wheelhouse: Path | None,
              check_config: ConfigCheck | None = None, xz: bool = False) -> str:
    """Write OUT from BASE for the site (then OUT.xz and its .sha256 with `xz`); returns the base kind. Raises
    ProvisionError, leaving nothing behind."""
    site = load_site(site_path)
    verify_config(site, str(site_path), check_config)
    kind = provision_site(base, site, out, wheelhouse)
    if xz:
        pack(out, xz=True)
    return kind


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    """A CSV as a spreadsheet writes it: UTF-8 with or without a byte-order mark, `,` or `;` between values."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ProvisionError(f"{csv_path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ProvisionError(f"{csv_path}: not UTF-8 (byte {exc.start}); save it as \"CSV UTF-8\"") from None
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ProvisionError(f"{csv_path}: no rows")
    columns = [name.strip() for name in rows[0]]
    sites = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(columns):
            raise ProvisionError(f"{csv_path} row {number}: {len(row)} values for {len(columns)} columns "
                                 f"(separator {delimiter!r}; a value with it needs quotes)")
        sites.append({name: cell.strip() for name, cell in zip(columns, row, strict=False) if name})
    return sites


def provision_batch(csv_path: Path, base: Path, out_dir: Path, wheelhouse: Path | None,
                    check_config: ConfigCheck | None = None, xz: bool = False, url_base: str = "") -> list[Path]:
    """One `<kiosk id>.img` (or `.img.xz`) per row of a CSV whose columns are the site keys, and `os_list.json`
    for Raspberry Pi Imager; every row is checked first. With xz each image is compressed and removed before the
    next is written, so the batch needs the room of one image, not one per site."""
    rows = read_rows(csv_path)
    sites = [with_files(check_site(row, f"{csv_path} row {n}", tabular=True), csv_path.parent,
                            f"{csv_path} row {n}") for n, row in enumerate(rows, start=2)]
    for n, site in enumerate(sites, start=2):
        verify_config(site, f"{csv_path} row {n}", check_config)
    ids = [site["kiosk_id"] for site in sites]
    repeated = next((i for i in ids if ids.count(i) > 1), None)
    if repeated:
        raise ProvisionError(f"{csv_path}: kiosk_id {repeated!r} appears twice")
    kind = examine_base(base)[2]
    if wheelhouse is None:  # one download for the whole batch, after every check
        wheelhouse = out_dir / f".wheelhouse-{kind}"
        build_wheelhouse(kind, wheelhouse)
    written, entries = [], []
    for site in sites:
        out = out_dir / f"{site['kiosk_id']}.img"
        provision_site(base, site, out, wheelhouse)
        packed = pack(out, xz)
        written.append(packed.path)
        entries.append((site["kiosk_id"], f"{site['commune_name']}, {site['province_name']} ({kind})", packed))
    imager_os_list(entries, out_dir, url_base)
    return written


def provision_site(base: Path, site: dict[str, str], out: Path, wheelhouse: Path | None) -> str:
    boot, files, kind = examine_base(base)
    root_extra_mb, data_mb = layout_sizes(site)
    extra = (root_extra_mb + data_mb) * 2**20 if is_read_only(site) else 0
    out.parent.mkdir(parents=True, exist_ok=True)
    need, free = base.stat().st_size + extra, shutil.disk_usage(out.parent).free
    if need > free:
        raise ProvisionError(f"no room for {out}: {need // 2**20} MB to write, {free // 2**20} MB free")
    if wheelhouse is None:  # the download comes last: every check above is cheap and local
        wheelhouse = out.parent / f".wheelhouse-{kind}"
        build_wheelhouse(kind, wheelhouse)
    wheels = wheels_in(wheelhouse)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    partial = Path(temporary)
    try:
        sparse_copy(base, partial)
        if is_read_only(site):
            add_data_partition(partial, root_extra_mb, data_mb)
        _write(partial, boot, kind, site, wheels, "cmdline.txt" in files)
        partial.replace(out)
    except LayoutError as exc:
        partial.unlink(missing_ok=True)
        raise ProvisionError(f"{base}: {exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return kind


def _write(image: Path, boot: BootPartition, kind: str, site: dict[str, str], wheels: list[Path],
           has_cmdline: bool) -> None:
    target = boot.target(image)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "motcua"
        (folder / "wheelhouse").mkdir(parents=True)
        for wheel in wheels:
            shutil.copy(wheel, folder / "wheelhouse" / wheel.name)
        (folder / "motcua.toml").write_text(kiosk_config(site), encoding="utf-8")
        here = Path(__file__).resolve().parent
        shutil.copy(here / "firstboot", folder / "firstboot")
        shutil.copy(here / "apt.txt", folder / "apt.txt")
        if is_read_only(site):
            with (folder / "apt.txt").open("a", encoding="utf-8") as apt:
                apt.write("overlayroot  # the read-only root (site read_only_root = yes)\n")
            (folder / "read-only-root").write_text("the root file system becomes read-only once the packages are in\n")
        units = here.parent / "systemd"
        if units.is_dir():
            shutil.copytree(units, folder / "systemd")
        if site.get("enrolment_token"):
            (folder / "enrolment-token").write_text(site["enrolment_token"], encoding="utf-8")
        if site.get("broker_ca"):
            shutil.copy(site["broker_ca"], folder / "ca.crt")
        if site.get("csca"):
            shutil.copy(site["csca"], folder / "csca.pem")
        network = network_json(site, "site")
        if network:
            (folder / "network.json").write_text(network, encoding="utf-8")
        if site.get("ssh_keys"):
            (folder / "authorized_keys").write_text(site["ssh_keys"], encoding="utf-8")
        hook = first_boot_hook(kind)
        for name, text in hook.items():
            (Path(scratch) / name).write_text(text, encoding="utf-8")
        need = sum(f.stat().st_size for f in Path(scratch).rglob("*") if f.is_file())
        free = _free_bytes(target)
        if need > free:
            raise ProvisionError(f"no room on the boot partition: {need} bytes to write, {free} free")
        mtools("mcopy", "-s", "-o", "-i", target, str(folder), "::/")
        for name in hook:
            mtools("mcopy", "-o", "-i", target, str(Path(scratch) / name), f"::/{name}")
        if has_cmdline:
            cmdline = kiosk_cmdline(mtools("mtype", "-i", target, "::/cmdline.txt"), kind, is_read_only(site))
            (Path(scratch) / "cmdline.txt").write_text(cmdline + "\n", encoding="utf-8")
            mtools("mcopy", "-o", "-i", target, str(Path(scratch) / "cmdline.txt"), "::/cmdline.txt")


def kiosk_cmdline(cmdline: str, kind: str, read_only_root: bool = False) -> str:
    """The kernel command line with no blinking cursor and no serial console, and, on Bookworm, the first-boot
    hook. The cursor setting goes before `systemd.run=`: firstrun.sh cuts everything from there on. With a
    read-only root, Raspberry Pi OS's grow-root-to-the-card step is taken off (provisioning/layout.py)."""
    words = without_resize(cmdline.split()) if read_only_root else cmdline.split()
    # The UART belongs to the kiosk's devices (a QR module or printer on the GPIO header), not to a login prompt.
    words = [w for w in words if not w.startswith("console=serial0")]
    if CURSOR_OFF not in words:
        hook = next((i for i, w in enumerate(words) if w.startswith("systemd.run")), len(words))
        words.insert(hook, CURSOR_OFF)
    if kind == "bookworm" and not any(w.startswith("systemd.run=") for w in words):
        words += [f"systemd.run={BOOT_DIR}/firstrun.sh", "systemd.run_success_action=reboot",
                  "systemd.unit=kernel-command-line.target"]
    return " ".join(words)


def _free_bytes(target: str) -> int:
    listing = mtools("mdir", "-i", target, "::/")
    match = re.search(r"([\d ]+) bytes free", listing)
    return int(match.group(1).replace(" ", "")) if match else 0
