"""Runs Ransel's services as child processes in the foreground (``ransel up``).

Each service is a ``ransel ... serve`` command. The supervisor starts them in order, waits
for each one's health URL (the engine takes up to a minute to load), prints where each
listens, and on Ctrl-C / SIGTERM — or when any service dies — stops all of them: SIGTERM
first, SIGKILL for any that linger.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Service:
    name: str
    argv: list[str]
    listens: str | None = None  # what we print for people
    health_url: str | None = None  # polled until it answers 2xx
    ready_timeout: float = 180.0
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None


class ServiceFailed(RuntimeError):
    pass


class Supervisor:
    def __init__(self, services: list[Service], echo: Callable[[str], None] = print) -> None:
        self.services = services
        self.echo = echo
        self._stopping = False

    def start(self) -> None:
        for service in self.services:
            env = {**os.environ, **service.env}
            # Own process group: a terminal's Ctrl-C reaches only us, and we stop children in order.
            process = service.process = subprocess.Popen(service.argv, env=env, start_new_session=True)
            self._wait_ready(service, process)
            where = f" on {service.listens}" if service.listens else ""
            self.echo(f"  {service.name:<14} ready{where} (pid {process.pid})")

    def _wait_ready(self, service: Service, process: subprocess.Popen) -> None:
        if service.health_url is None:
            return
        deadline = time.monotonic() + service.ready_timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise ServiceFailed(f"{service.name} exited with code {process.returncode}")
                try:
                    if client.get(service.health_url).is_success:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        raise ServiceFailed(f"{service.name} not ready after {service.ready_timeout:.0f} s")

    def wait(self) -> int:
        """Block until a signal or a service exits; returns the exit code for ``ransel up``."""
        stop = {"signal": None}

        def on_signal(signum, _frame) -> None:
            stop["signal"] = signum

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while stop["signal"] is None:
                for service in self.services:
                    if service.process is not None and service.process.poll() is not None:
                        self.echo(f"  {service.name} stopped unexpectedly (exit {service.process.returncode})")
                        return 1
                time.sleep(0.2)
            return 0
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def stop(self, grace: float = 10.0) -> None:
        running = [(s, s.process) for s in reversed(self.services) if s.process and s.process.poll() is None]
        for _service, process in running:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for service, process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            self.echo(f"  {service.name:<14} stopped")

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        """Start everything, call ``on_ready`` once all are ready, then wait for a signal."""
        try:
            self.start()
            self.echo("Ransel is up. Ctrl-C stops everything.")
            if on_ready is not None:
                on_ready()
            return self.wait()
        except ServiceFailed as exc:
            self.echo(f"  {exc}")
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            self.stop()


def ransel_command(*args: str) -> list[str]:
    """argv for a ``ransel`` subcommand in this same environment."""
    return [sys.executable, "-m", "ransel.cli", *args]
