"""Child processes: start one in its own process group, wait until it answers, stop it.

The dialogue engine and action server (:mod:`bot.engine`) and ``ransel up``'s services
(:mod:`bot.supervisor`) are all run this way. A child gets its own process group, so a
terminal's Ctrl-C reaches only us and stopping a child stops what it started too: SIGTERM
to the group first, SIGKILL for whatever lingers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class NotReady(RuntimeError):
    """The child exited, or did not answer in time; the message says which (and its log)."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_file: Path | None = None  # None: the child writes to our stdout
    url: str | None = None
    run_dir: Path | None = None
    _log_handle: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if self.log_file is None:
            return ""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def spawn(name: str, argv: list[str], env: dict[str, str], *, cwd: Path | None = None,
          log_file: Path | None = None, url: str | None = None) -> Child:
    """Start ``argv`` in its own process group; its output goes to ``log_file`` if given."""
    handle = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(log_file, "ab")  # noqa: SIM115 - the child process writes to it after we return
        process = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, stdout=handle,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    else:
        process = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True)
    log.info("started %s pid=%s", name, process.pid)
    return Child(name, process, log_file, url, _log_handle=handle)


def wait_ready(child: Child, probe: Callable[[httpx.Client], bool], timeout: float,
               progress: Progress | None = None) -> None:
    """Poll ``probe`` until it says ready; raise :class:`NotReady` (after stopping the child)
    if the child exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    announced = time.monotonic()
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not child.alive():
                raise NotReady(_with_log(child, f"{child.name} exited with code {child.process.returncode}"))
            try:
                if probe(client):
                    return
            except httpx.HTTPError:
                pass
            if progress is not None and time.monotonic() - announced > 15:
                progress(f"still waiting for the {child.name} ...")
                announced = time.monotonic()
            # Polling interval, not a blind wait: we return as soon as the probe answers.
            time.sleep(0.25)
    stop(child)
    raise NotReady(_with_log(child, f"{child.name} not ready after {timeout:.0f} s"))


def _with_log(child: Child, message: str) -> str:
    tail = child.log_tail()
    return f"{message}:\n{tail}" if tail else message


def stop(child: Child | None, timeout: float = 15.0) -> None:
    """End a child and everything it started."""
    if child is not None:
        stop_all([child], timeout)


def stop_all(children: Sequence[Child], grace: float = 15.0,
             on_stopped: Callable[[Child], None] | None = None) -> None:
    """End ``children`` together, in the order given: SIGTERM to every group, then wait for each
    until ``grace`` seconds have passed, then SIGKILL what is left."""
    running = [c for c in children if c.alive()]
    for child in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in running:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.process.wait(5)
        log.info("stopped %s pid=%s", child.name, child.pid)
        if on_stopped is not None:
            on_stopped(child)
    for child in children:
        if child._log_handle is not None:
            child._log_handle.close()
            child._log_handle = None
