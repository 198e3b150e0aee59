"""Runs Ransel's services as child processes in the foreground (``ransel up``).

Each service is a ``ransel ... serve`` command. The supervisor starts them in order, waits
for each one's health URL (the engine takes up to a minute to load), prints where each
listens, and on Ctrl-C / SIGTERM — or when any service dies — stops all of them: SIGTERM
first, SIGKILL for any that linger.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx

from bot.processes import Child, NotReady, spawn, stop_all, wait_ready


@dataclass
class Service:
    name: str
    argv: list[str]
    listens: str | None = None  # what we print for people
    health_url: str | None = None  # polled until it answers 2xx
    ready_timeout: float = 180.0
    env: dict[str, str] = field(default_factory=dict)
    process: Child | None = None


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
            child = service.process = spawn(service.name, service.argv, env)
            if service.health_url is not None:
                try:
                    wait_ready(child, partial(_answers, service.health_url), service.ready_timeout)
                except NotReady as exc:
                    raise ServiceFailed(str(exc)) from None
            where = f" on {service.listens}" if service.listens else ""
            self.echo(f"  {service.name:<14} ready{where} (pid {child.pid})")

    def wait(self) -> int:
        """Block until a signal or a service exits; returns the exit code for ``ransel up``."""
        stop = {"signal": None}

        def on_signal(signum, _frame) -> None:
            stop["signal"] = signum

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while stop["signal"] is None:
                for service in self.services:
                    if service.process is not None and not service.process.alive():
                        self.echo(f"  {service.name} stopped unexpectedly (exit {service.process.process.returncode})")
                        return 1
                time.sleep(0.2)
            return 0
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def stop(self, grace: float = 10.0) -> None:
        children = [s.process for s in reversed(self.services) if s.process is not None and s.process.alive()]
        stop_all(children, grace, on_stopped=lambda child: self.echo(f"  {child.name:<14} stopped"))

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


def _answers(url: str, client: httpx.Client) -> bool:
    return client.get(url).is_success


def ransel_command(*args: str) -> list[str]:
    """argv for a ``ransel`` subcommand in this same environment."""
    return [sys.executable, "-m", "ransel.cli", *args]
