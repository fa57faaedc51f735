"""motcua firmware: the loop, session, config and services of a public-service kiosk."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
