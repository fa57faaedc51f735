"""A site's wireless links: Wi-Fi (SSID, passphrase, country) and, optionally, a cellular modem's APN.

Provisioning checks them and writes `motcua/network.json` on the boot partition; first boot turns it into
NetworkManager keyfiles (Bookworm and Trixie both run NetworkManager), sets the Wi-Fi country, and deletes the
file, so the passphrase does not stay on the boot partition.
"""

from __future__ import annotations

import json
import re

from provisioning.base_image import ProvisionError

# ISO 3166-1 alpha-2 codes a regulatory domain is set with; a wrong one keeps the radio blocked or illegal.
COUNTRY = re.compile(r"[A-Z]{2}")
APN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,62}")


def network_json(site: dict[str, str], source: str) -> str | None:
    """The checked network settings as first boot reads them, or None when the site has Ethernet only."""
    ssid, passphrase, country = (site.get(k, "") for k in ("wifi_ssid", "wifi_passphrase", "wifi_country"))
    apn = site.get("cellular_apn", "")
    if not (ssid or passphrase or country or apn):
        return None
    settings: dict[str, dict[str, str]] = {}
    if ssid or passphrase:
        if not ssid or len(ssid.encode("utf-8")) > 32:
            raise ProvisionError(f"{source}: wifi_ssid = {ssid!r}: expected 1 to 32 bytes (the network's name)")
        if passphrase and not (8 <= len(passphrase) <= 63 and passphrase.isprintable() and passphrase.isascii()
                               or re.fullmatch(r"[0-9a-fA-F]{64}", passphrase)):
            raise ProvisionError(f"{source}: wifi_passphrase: expected 8 to 63 printable ASCII characters "
                                 "(WPA2/WPA3 personal) or 64 hex digits; leave it out for an open network")
        if not country:
            raise ProvisionError(f"{source}: wifi_ssid needs wifi_country (the two-letter code, VN in Vietnam): "
                                 "Raspberry Pi OS keeps the radio off until it is set")
        settings["wifi"] = {"ssid": ssid, "psk": passphrase}
    if country:
        if not COUNTRY.fullmatch(country):
            raise ProvisionError(f"{source}: wifi_country = {country!r}: expected two capital letters, e.g. VN")
        settings["country"] = {"code": country}
    if apn:
        if not APN.fullmatch(apn):
            raise ProvisionError(f"{source}: cellular_apn = {apn!r}: expected an APN such as m3-world or v-internet")
        settings["cellular"] = {"apn": apn}
    return json.dumps(settings, ensure_ascii=False)
