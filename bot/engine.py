"""The dialogue engine (Rasa 3.6, its own env) and the action server, as managed subprocesses.

Training is keyed by a fingerprint of everything that shapes the model (``config.yml``,
``nlu/``, the engine lock file): the model lives at ``<cache_dir>/models/<hash>.tar.gz`` and
is trained only when that file is missing, so a second ``ransel train``, a second clone or a
second test session reuses it. Rasa's own component cache sits under ``<cache_dir>`` too.

:func:`start_engine` and :func:`start_actions` start one process each, write the engine's
``endpoints.yml`` (action server, SQL tracker store, Redis lock store when configured) and
return only once the process answers on its port (``/status``, ``/health``); :func:`stop`
ends them cleanly. :func:`start_stack` does both for callers that want a working engine
(``ransel ask``, ``ransel up``, the ``ransel_stack`` test fixture).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import yaml

from bot.config import PROJECT_ROOT, Settings
from bot.processes import Child, NotReady, Progress, spawn, stop, wait_ready

log = logging.getLogger(__name__)

CONFIG_FILE = PROJECT_ROOT / "config.yml"
NLU_DIR = PROJECT_ROOT / "nlu"
ENGINE_LOCK = PROJECT_ROOT / "engine" / "requirements.lock"
ENGINE_ENV = PROJECT_ROOT / ".engine-venv"
ENGINE_LAUNCHER = PROJECT_ROOT / "engine" / "launch.py"
# NLU data that must never reach training (held-out evaluation files live under tests/).
_TRAINING_SUFFIXES = (".yml", ".yaml")

# Rasa needs 25-60 s to import TensorFlow and load a model on this machine kind; allow more
# when two cores are shared with other work.
ENGINE_START_TIMEOUT = 240.0
ACTIONS_START_TIMEOUT = 60.0



def _quiet(_: str) -> None:
    pass


class EngineError(RuntimeError):
    """Training or starting the engine failed; the message says where to look."""


# ---------------------------------------------------------------------------- training


def training_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file that shapes the model, in a stable order."""
    nlu = root / "nlu"
    files = [root / "config.yml", root / "engine" / "requirements.lock"]
    files += sorted(p for p in nlu.rglob("*") if p.is_file() and p.suffix in _TRAINING_SUFFIXES)
    return files


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def model_path(settings: Settings, root: Path = PROJECT_ROOT) -> Path:
    return settings.cache_dir / "models" / f"{fingerprint(root)}.tar.gz"


@dataclass(frozen=True)
class TrainResult:
    model: Path
    reused: bool
    seconds: float


def engine_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_CACHE_DIRECTORY": str(settings.cache_dir / "rasa-cache"),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            # One engine process should not fight the other processes for both cores.
            "TF_INTER_OP_PARALLELISM_THREADS": env.get("TF_INTER_OP_PARALLELISM_THREADS", "1"),
            "TF_INTRA_OP_PARALLELISM_THREADS": env.get("TF_INTRA_OP_PARALLELISM_THREADS", "1"),
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
        }
    )
    # The engine env must not pick up the app env's packages.
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def rasa_executable() -> Path:
    rasa = ENGINE_ENV / "bin" / "rasa"
    if not rasa.exists():
        raise EngineError(f"the engine env is missing ({rasa}); run: scripts/bootstrap.sh engine")
    return rasa


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise training across processes (several test sessions share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train(settings: Settings, *, force: bool = False, progress: Progress = _quiet,
          root: Path = PROJECT_ROOT) -> TrainResult:
    """Ransel's model for the current data: reused if already trained, else trained now."""
    return train_project(settings, config=root / "config.yml", domain=root / "nlu", data=root / "nlu",
                         target=model_path(settings, root), force=force, progress=progress)


def train_project(settings: Settings, *, config: Path, domain: Path, data: Path, target: Path,
                  force: bool = False, progress: Progress = _quiet) -> TrainResult:
    """Train any Rasa project into ``target`` unless it exists (the benchmark's bare bot too)."""
    started = time.monotonic()
    if target.exists() and not force:
        return TrainResult(target, reused=True, seconds=0.0)
    with _file_lock(target.with_suffix(".lock")):
        if target.exists() and not force:  # another process trained it while we waited
            return TrainResult(target, reused=True, seconds=time.monotonic() - started)
        progress(f"training the dialogue model {target.name} (takes a few minutes) ...")
        with tempfile.TemporaryDirectory(prefix="ransel-train-") as out:
            command = [
                str(rasa_executable()), "train",
                "--config", str(config),
                "--domain", str(domain),
                "--data", str(data),
                "--out", out,
                "--fixed-model-name", "model",
                "--quiet",
            ]
            result = subprocess.run(command, cwd=out, env=engine_env(settings),
                                    capture_output=True, text=True)
            trained = Path(out) / "model.tar.gz"
            if result.returncode != 0 or not trained.exists():
                tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
                raise EngineError(f"rasa train failed (exit {result.returncode}):\n{tail}")
            partial = target.with_suffix(".partial")
            shutil.move(str(trained), partial)
            partial.replace(target)
    return TrainResult(target, reused=False, seconds=time.monotonic() - started)


# ---------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_token(settings: Settings) -> str:
    """Protects the engine's HTTP API (not the REST channel) from other local callers."""
    return settings.engine_api_token


def _port_of(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 80


def tracker_store_config(url: str) -> dict:
    """Rasa's SQL tracker store settings for an SQLAlchemy URL (SQLite or PostgreSQL)."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        database = url.split("///", 1)[1]
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # WAL is a property of the file, so Rasa's own connections get it too: one append
        # per turn instead of a rollback journal's several syncs.
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        return {"type": "SQL", "dialect": "sqlite", "db": database}
    if parsed.scheme.startswith("postgresql"):
        config = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": parsed.hostname or "127.0.0.1",  # Rasa passes `url` on as the host
            "port": parsed.port or 5432,
            "db": parsed.path.lstrip("/"),
        }
        if parsed.username:
            config["username"] = unquote(parsed.username)
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return config
    raise EngineError(f"unsupported tracker store URL scheme {parsed.scheme!r} (use sqlite or postgresql)")


def lock_store_config(redis_url: str) -> dict | None:
    if not redis_url:
        return None
    parsed = urlparse(redis_url)
    config: dict = {"type": "redis", "url": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379,
                    "db": int(parsed.path.lstrip("/") or 0), "key_prefix": "ransel"}
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def write_engine_config(settings: Settings, run_dir: Path) -> tuple[Path, Path]:
    """endpoints.yml and credentials.yml for one engine process."""
    run_dir.mkdir(parents=True, exist_ok=True)
    endpoints: dict = {
        "action_endpoint": {"url": settings.action_server_url},
        "tracker_store": tracker_store_config(settings.engine_tracker_url),
    }
    lock = lock_store_config(settings.redis_url)
    if lock:
        endpoints["lock_store"] = lock
    endpoints_file = run_dir / "endpoints.yml"
    credentials_file = run_dir / "credentials.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    credentials_file.write_text(yaml.safe_dump({"rest": None}))
    return endpoints_file, credentials_file


def settings_env(settings: Settings) -> dict[str, str]:
    """RANSEL_* variables that make a child process build the same Settings."""
    out: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            text = json.dumps(value)
        elif hasattr(value, "isoformat"):
            text = value.isoformat()
        else:
            text = str(value)
        out[f"RANSEL_{name.upper()}"] = text
    return out


def _wait_ready(proc: Child, probe: Callable[[httpx.Client], bool], timeout: float, progress: Progress) -> None:
    try:
        wait_ready(proc, probe, timeout, progress)
    except NotReady as exc:
        raise EngineError(str(exc)) from None


def engine_ready(settings: Settings, client: httpx.Client | None = None) -> bool:
    """Whether an engine with a loaded model answers at ``settings.engine_url``."""
    own = client is None
    client = client or httpx.Client(timeout=2.0)
    try:
        response = client.get(f"{settings.engine_url}/status", params={"token": api_token(settings)})
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False
    finally:
        if own:
            client.close()


def actions_ready(settings: Settings, client: httpx.Client | None = None) -> bool:
    own = client is None
    client = client or httpx.Client(timeout=2.0)
    base = settings.action_server_url.rsplit("/webhook", 1)[0]
    try:
        return client.get(f"{base}/health").status_code == 200
    except httpx.HTTPError:
        return False
    finally:
        if own:
            client.close()


def engine_command(settings: Settings, model: Path, run_dir: Path | None = None) -> tuple[list[str], dict[str, str], Path]:
    """argv, environment and working directory of ``rasa run`` for these settings."""
    host, port = _port_of(settings.engine_url)
    run_dir = run_dir or settings.data_dir / "engine" / str(port)
    endpoints, credentials = write_engine_config(settings, run_dir)
    # engine/launch.py is `rasa` plus a cached validator for action responses (see there).
    argv = [
        str(ENGINE_ENV / "bin" / "python"), str(ENGINE_LAUNCHER), "run",
        "--enable-api",
        # "=" form: a generated token may begin with "-", which argparse would read as an option
        f"--auth-token={api_token(settings)}",
        "--interface", host,
        "--port", str(port),
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
        "--response-timeout", "30",
    ]
    return argv, engine_env(settings), run_dir


def actions_command(settings: Settings, python: str | None = None) -> tuple[list[str], dict[str, str]]:
    """argv and environment of the action server for these settings."""
    _, port = _port_of(settings.action_server_url)
    env = dict(os.environ)
    env.update(settings_env(settings))
    # rasa-sdk logs at INFO without message bodies (those only at DEBUG); ours log ids only.
    # No tracing: an empty --endpoints keeps rasa-sdk from looking for ./endpoints.yml.
    # rasa-sdk binds to SANIC_HOST (its default is 0.0.0.0) and allows every CORS origin unless
    # told otherwise: loopback unless configured, and `--cors` with no origin (none allowed).
    env["SANIC_HOST"] = settings.action_server_bind
    argv = [python or sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port),
            "--endpoints", "", "--cors"]
    return argv, env


def start_engine(settings: Settings, *, model: Path | None = None, run_dir: Path | None = None,
                 progress: Progress = _quiet, timeout: float = ENGINE_START_TIMEOUT) -> Child:
    """Start ``rasa run --enable-api`` on the port of ``settings.engine_url``; wait until ready.

    Trains first if the model for the current data does not exist yet.
    """
    model = model or train(settings, progress=progress).model
    argv, env, run_dir = engine_command(settings, model, run_dir)
    progress(f"starting the dialogue engine on {settings.engine_url} (about a minute) ...")
    proc = spawn("engine", argv, env, cwd=run_dir, log_file=run_dir / "engine.log", url=settings.engine_url)
    proc.run_dir = run_dir
    _wait_ready(proc, lambda client: engine_ready(settings, client), timeout, progress)
    progress("dialogue engine ready")
    return proc


def start_actions(settings: Settings, *, run_dir: Path | None = None, progress: Progress = _quiet,
                  timeout: float = ACTIONS_START_TIMEOUT, python: str | None = None) -> Child:
    """Start the rasa-sdk action server (app env) on the port of ``settings.action_server_url``."""
    _, port = _port_of(settings.action_server_url)
    run_dir = run_dir or settings.data_dir / "actions" / str(port)
    argv, env = actions_command(settings, python)
    progress(f"starting the action server on {settings.action_server_url} ...")
    proc = spawn("action server", argv, env, cwd=PROJECT_ROOT, log_file=run_dir / "actions.log",
                 url=settings.action_server_url)
    proc.run_dir = run_dir
    _wait_ready(proc, lambda client: actions_ready(settings, client), timeout, progress)
    return proc


@dataclass
class Stack:
    """A running engine and action server that belong together."""

    settings: Settings
    engine: Child
    actions: Child

    def stop(self) -> None:
        stop(self.engine)
        stop(self.actions)


def with_free_ports(settings: Settings) -> Settings:
    """The same settings with the engine and action server on ports free right now."""
    return settings.model_copy(update={
        "engine_url": f"http://127.0.0.1:{free_port()}",
        "action_server_url": f"http://127.0.0.1:{free_port()}/webhook",
    })


def start_stack(settings: Settings, *, progress: Progress = _quiet, run_dir: Path | None = None) -> Stack:
    """Train if needed, then start the action server and the engine; both ready on return.

    Uses the ports in ``settings``; pass ``with_free_ports(settings)`` for a private stack.
    """
    model = train(settings, progress=progress).model
    actions = start_actions(settings, progress=progress,
                            run_dir=run_dir / "actions" if run_dir else None)
    try:
        engine = start_engine(settings, model=model, progress=progress,
                              run_dir=run_dir / "engine" if run_dir else None)
    except BaseException:
        stop(actions)
        raise
    return Stack(settings, engine, actions)


@contextlib.contextmanager
def running_stack(settings: Settings, *, progress: Progress = _quiet,
                  run_dir: Path | None = None) -> Iterator[Stack]:
    stack = start_stack(settings, progress=progress, run_dir=run_dir)
    try:
        yield stack
    finally:
        stack.stop()
