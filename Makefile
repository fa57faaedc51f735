# Every target makes and uses .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint screens clean voice fonts

VOICE := firmware/voice/vi/manifest.json

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,province,postgres]'
	touch $(STAMP)

# The spoken prompts, rendered with espeak-ng (Debian: espeak-ng); without it the kiosk runs silent.
$(VOICE): $(STAMP) firmware/rules/prompts.py firmware/render/voice.py
	$(BIN)/python -m firmware.render.voice || echo "make: no voice prompts (install espeak-ng); the kiosk stays silent"

voice: $(VOICE)

run: $(STAMP) $(VOICE)
	$(BIN)/motcua run --config config/sim.toml

test: $(STAMP) $(VOICE)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

screens: $(STAMP)
	for size in 1080x1920 720x1280 800x480; do $(BIN)/motcua screens --size $$size --out out/screens/$$size; done

# The shipped fonts, cut down from Debian's fonts-noto-core (screens/ui/font_subset.py says what is kept and why).
NOTO ?= /usr/share/fonts/truetype/noto
fonts: $(STAMP)
	$(BIN)/python -m screens.ui.font_subset $(NOTO)

clean:
	rm -rf $(VENV) out .pytest_cache firmware/voice
