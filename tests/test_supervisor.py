"""`ransel up`'s supervisor: starts, waits for health, and leaves no process behind."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

from bot.supervisor import Service, Supervisor


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_service(name: str, port: int) -> Service:
    return Service(name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   listens=f"http://127.0.0.1:{port}", health_url=f"http://127.0.0.1:{port}/")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_services_start_in_order_and_stop_cleanly() -> None:
    lines: list[str] = []
    sup = Supervisor([_http_service("one", _free_port()), _http_service("two", _free_port())], lines.append)
    sup.start()
    pids = [s.process.pid for s in sup.services]
    assert all(_alive(p) for p in pids)
    assert [line.split()[0] for line in lines] == ["one", "two"]
    sup.stop()
    assert not any(_alive(p) for p in pids)


def test_sigterm_to_ransel_up_stops_every_child(tmp_path) -> None:  # noqa: ANN001
    port_a, port_b = _free_port(), _free_port()
    script = tmp_path / "up.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        from bot.supervisor import Service, Supervisor
        def svc(port):
            return Service(str(port), [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                           health_url=f"http://127.0.0.1:{{port}}/")
        sup = Supervisor([svc({port_a}), svc({port_b})], lambda line: print(line, flush=True))
        sys.exit(sup.run())
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    while "Ransel is up" not in (line := proc.stdout.readline()):
        assert line, "supervisor exited before it was up"
    children = subprocess.run(["pgrep", "-f", f"http.server {port_a}|http.server {port_b}"],
                              capture_output=True, text=True).stdout.split()
    assert len(children) == 2
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    time.sleep(0.2)
    assert not any(_alive(int(pid)) for pid in children)


def test_a_service_that_dies_stops_the_others() -> None:
    port = _free_port()
    crash = Service("crashes", [sys.executable, "-c", "import time; time.sleep(1.5); raise SystemExit(3)"])
    sup = Supervisor([_http_service("web", port), crash], lambda line: None)
    assert sup.run() == 1
    assert not _alive(sup.services[0].process.pid)
