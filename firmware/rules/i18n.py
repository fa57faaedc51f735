"""Text through gettext: Vietnamese is the source language, English the second; everything leaves here NFC.

The English catalog is `firmware/locale/en/LC_MESSAGES/motcua.po`, compiled to the `.mo` next to it by
`python -m firmware.rules.i18n` (a test fails when the two disagree), so no gettext tools are needed on the kiosk.
"""

from __future__ import annotations

import ast
import gettext
import struct
import sys
import unicodedata
from pathlib import Path

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "motcua"
LANGUAGES = ("vi", "en")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "vi"


def set_language(language: str) -> None:
    global _translation, _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")
    _language = language
    if language == "vi":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def language() -> str:
    return _language


def _(text: str) -> str:
    return unicodedata.normalize("NFC", _translation.gettext(unicodedata.normalize("NFC", text)))


def N_(text: str) -> str:
    """Marks a constant for translation where it is defined; `_()` translates it where it is shown."""
    return text


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single forms only: that is all the kiosk uses)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    target = ""
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if "msgid" in current:
                entries[current["msgid"]] = current.get("msgstr", "")
            current, target = {"msgid": ast.literal_eval(line[6:])}, "msgid"
        elif line.startswith("msgstr "):
            current["msgstr"], target = ast.literal_eval(line[7:]), "msgstr"
        elif line.startswith('"') and target:
            current[target] += ast.literal_eval(line)
        elif not line and "msgid" in current:
            entries[current["msgid"]] = current.get("msgstr", "")
            current, target = {}, ""
    return {nfc(k): nfc(v) for k, v in entries.items() if k}


def compile_mo(entries: dict[str, str]) -> bytes:
    """The GNU .mo format: header, two offset tables, then the strings."""
    pairs = sorted((k.encode(), v.encode()) for k, v in entries.items() if v)
    pairs.insert(0, (b"", b"Content-Type: text/plain; charset=UTF-8\n"))
    count = len(pairs)
    keys_at = 7 * 4
    values_at = keys_at + count * 8
    data_at = values_at + count * 8
    key_table, value_table, blob = [], [], b""
    for key, _value in pairs:
        key_table.append((len(key), data_at + len(blob)))
        blob += key + b"\0"
    for _key, value in pairs:
        value_table.append((len(value), data_at + len(blob)))
        blob += value + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, keys_at, values_at, 0, 0)
    tables = b"".join(struct.pack("<2I", *t) for t in key_table + value_table)
    return header + tables + blob


SOURCE_PACKAGES = ("firmware", "screens")


def extract_messages(root: Path) -> list[str]:
    """Every string literal passed to `_()` or `N_()` in the UI packages, in source order, NFC."""
    found: dict[str, None] = {}
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found[nfc(node.args[0].value)] = None
    return list(found)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_po(path: Path, messages: list[str], translations: dict[str, str], language: str) -> None:
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', f'"Language: {language}\\n"', ""]
    for message in messages:
        lines += [f"msgid {_quote(message)}", f"msgstr {_quote(translations.get(message, ''))}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def main() -> int:
    """Add new UI strings to each catalog (keeping translations), then compile the .mo files."""
    messages = extract_messages(Path(__file__).parent.parent.parent)
    for lang in LANGUAGES[1:]:
        po = po_path(lang)
        translations = read_po(po) if po.exists() else {}
        write_po(po, messages, translations, lang)
        po.with_suffix(".mo").write_bytes(compile_mo(read_po(po)))
        missing = [m for m in messages if not translations.get(m)]
        print(f"{po}: {len(messages)} messages, {len(missing)} untranslated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
