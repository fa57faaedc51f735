"""The simulator's card reader steps: `present_card: FILE` puts a virtual ID card on the reader and `remove_card:
true` lifts it (docs/sim.md). The card file (YAML) holds the person as the chip's DG13 does, and how the card
should behave: `signed_by: unknown` (a CSCA the kiosk does not trust), `tamper: dg13` (changed after signing),
`signer_expired: true`, `kind: other` (not an ID card), `lift_after: N` (lifted after N APDUs), `access: pace`
(the default: PACE with AES-128 on brainpoolP256r1, and BAC) or `access: bac` (BAC only). The simulator's own
test CSCA is the one the kiosk trusts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from firmware.app.compose import App

if TYPE_CHECKING:
    from firmware.chip.issuer import Signer

# The chip's code (asn1crypto, the issuer's keys: 50 ms and 1 MB) is imported when a script first shows a card.
ACCESS = ("pace", "bac")  # PACE (Brainpool, AES-128), or BAC only
REQUIRED = ("id_number", "full_name", "date_of_birth", "sex", "address", "issue_date")
_signers: dict[str, Signer] = {}


class Simulator(Protocol):  # firmware.app.sim.Simulator
    app: App
    failure: type[Exception]
    def path_of(self, file: Any) -> Path: ...
    def wait_for(self, condition: Callable[[], bool], what: str) -> None: ...
    def settle(self, frames: int = 3) -> None: ...


def signer(kind: str) -> Signer:
    from firmware.chip.issuer import make_signer

    if kind not in _signers:
        expired = datetime.now(UTC) - timedelta(days=4000)
        _signers[kind] = make_signer(f"CSCA {kind} (motcua sim)", ds_from=expired if kind == "expired" else None)
    return _signers[kind]


def _load(sim: Simulator, file: Any) -> dict[str, Any]:
    import yaml  # here, as in sim.load_script

    path = sim.path_of(file)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise sim.failure(f"present_card: cannot read the card file {str(file)!r} ({exc})") from None
    if not isinstance(data, dict):
        raise sim.failure(f"present_card: {file} must be a YAML mapping of the card's fields")
    missing = [key for key in REQUIRED if not data.get(key)]
    if data.get("kind", "id_card") == "id_card" and missing:
        raise sim.failure(f"present_card: {file} lacks {', '.join(missing)}")
    if data.get("access", "pace") not in ACCESS:
        raise sim.failure(f"present_card: access must be one of {', '.join(ACCESS)}, got {data['access']!r}")
    for key in ("date_of_birth", "issue_date", "expiry_date"):
        if key in data and data[key] is not None and not isinstance(data[key], date):
            raise sim.failure(f"present_card: {key} must be a date (YYYY-MM-DD), got {data[key]!r}")
    return data


def present_card(sim: Simulator, file: Any) -> None:
    from firmware.chip.datagroups import FILES
    from firmware.chip.issuer import make_card
    from firmware.chip.mrz import expiry_candidates
    from firmware.chip.pace import BRAINPOOL_AES128
    from firmware.chip.virtual_card import VirtualCard

    readers, reader = sim.app.devices.virtual_readers, sim.app.devices.card_reader
    if readers is None or reader is None:
        raise sim.failure("present_card needs the simulated card reader: [cardreader] backend = \"sim\"")
    data = _load(sim, file)
    if data.get("kind", "id_card") != "id_card":
        card = VirtualCard(None)
    else:
        kind = "expired" if data.get("signer_expired") else str(data.get("signed_by") or "kiosk")
        reader.trust(signer("kiosk").csca)
        person = {k: v for k, v in data.items() if k not in ("kind", "signed_by", "tamper", "signer_expired",
                                                              "lift_after", "issue_date", "expiry_date", "access")}
        born, issued = data["date_of_birth"], data["issue_date"]
        expiry = data["expiry_date"] if "expiry_date" in data else expiry_candidates(born, issued)[0]
        access = (BRAINPOOL_AES128,) if data.get("access", "pace") == "pace" else ()
        made = make_card(person, signer(kind), issued, expiry, access)
        if data.get("tamper") == "dg13":
            dg13 = made.files[FILES["dg13"]]  # its last character changed: still well-formed, not what was signed
            made.files[FILES["dg13"]] = dg13[:-1] + bytes((dg13[-1] ^ 0x01,))
        card = VirtualCard(made, lift_after=int(data["lift_after"]) if data.get("lift_after") else None)
    readers.present(card)
    sim.wait_for(lambda: sim.app.kiosk.cards.present, "the card reader did not see the card")
    sim.settle(2)


def remove_card(sim: Simulator, _arg: Any) -> None:
    readers = sim.app.devices.virtual_readers
    if readers is None:
        raise sim.failure("remove_card needs the simulated card reader: [cardreader] backend = \"sim\"")
    readers.remove()
    sim.wait_for(lambda: not sim.app.kiosk.cards.present, "the card reader did not see the card go")
    sim.settle(2)


def handlers(sim: Simulator) -> dict[str, Callable[[Any], None]]:
    return {"present_card": lambda file: present_card(sim, file), "remove_card": lambda arg: remove_card(sim, arg)}
