from __future__ import annotations

from bench import chip, fleet, frames, keys, link, process, qr, results, sessions, taps


def main() -> None:
    figures: dict[str, float] = {}
    figures.update(frames.run())
    figures.update(keys.run())
    figures.update(qr.run())
    figures.update(process.run())
    figures.update(sessions.run())
    figures.update(link.run())
    figures.update(taps.run())
    figures.update(chip.run())
    figures.update(fleet.run())
    merged = results.save(figures)
    print(results.table(figures))
    print(f"written: {results.OUT} ({len(merged)} figures)")


if __name__ == "__main__":
    main()
