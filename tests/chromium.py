"""How the browser tests start Debian's Chromium (through Playwright)."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
# Chromium as root in a closed network (see the machine notes): no sandbox, no background
# connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Media from a fake device that plays a WAV file instead of a microphone (push-to-talk).
FAKE_MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
