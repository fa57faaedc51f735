"""Rendering the spoken prompts to WAV files with espeak-ng's Vietnamese voice, once, at build time.

`python -m firmware.render.voice [DIR]` writes `<key>.wav` for every prompt of `firmware.rules.prompts` into
DIR (default: `firmware/voice/vi`, shipped in the package), skipping the ones whose text has not changed
(`manifest.json` keeps a digest per file). The kiosk only plays files; it never runs espeak-ng.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from firmware.rules.prompts import all_prompts

PROMPT_DIR = Path(__file__).resolve().parent.parent / "voice" / "vi"
# Slower than espeak's default 175 words a minute (many who use the kiosk are elderly), short pauses.
ESPEAK_ARGS = ("-v", "vi", "-s", "150", "-a", "120", "-g", "3")


class VoiceBuildError(Exception):
    pass


def digest(text: str) -> str:
    return hashlib.sha256(("\x00".join(ESPEAK_ARGS) + "\x00" + text).encode("utf-8")).hexdigest()[:16]


def build(out: Path = PROMPT_DIR, espeak: str = "espeak-ng") -> tuple[int, int]:
    """(written, unchanged) prompt files; raises VoiceBuildError when espeak-ng is missing or fails."""
    program = shutil.which(espeak)
    if program is None:
        raise VoiceBuildError(f"{espeak} is not installed (Debian: apt-get install espeak-ng)")
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    written = unchanged = 0
    prompts = all_prompts()
    for key, text in prompts.items():
        target = out / f"{key}.wav"
        if manifest.get(key) == digest(text) and target.is_file():
            unchanged += 1
            continue
        partial = target.with_suffix(".part")
        result = subprocess.run([program, *ESPEAK_ARGS, "-w", str(partial), text], capture_output=True, text=True,
                                timeout=60)
        if result.returncode != 0 or not partial.is_file():
            raise VoiceBuildError(f"{espeak} failed on {key}: {result.stderr.strip()[:200]}")
        partial.replace(target)
        manifest[key] = digest(text)
        written += 1
    for stale in out.glob("*.wav"):
        if stale.stem not in prompts:
            stale.unlink()
            manifest.pop(stale.stem, None)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return written, unchanged


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else PROMPT_DIR
    try:
        written, unchanged = build(out)
    except VoiceBuildError as exc:
        print(f"motcua voice: {exc}", file=sys.stderr)
        return 2
    print(f"motcua voice: {written} prompt(s) written, {unchanged} unchanged in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
