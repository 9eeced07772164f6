"""The database away for a while: pages say so with 503 (not 500), the clock skips, waits, and resumes by itself.

On PostgreSQL the app reaches the server through a TCP relay on loopback that the test cuts (every connection
dropped, nothing listening, as in a restart) and restores; on SQLite the database file becomes unreachable."""

import contextlib
import socket
import threading
import time

import pytest
from sqlalchemy import bindparam, make_url, text
from sqlmodel import Session

from tracker.db import make_engine
from tracker.models import ClockBeat
from tracker.notify import scheduler

from .conftest import login, make_user, signed_in_to


class Relay:
    """A TCP relay 127.0.0.1:<port> → target, which can be cut and restored on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, 0
        self.listener, self.pipes, self.client_ports = None, [], []
        self.restore()

    def restore(self) -> None:
        """Listen again: new connections reach the database."""
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        """Stop listening and drop every open connection."""
        for end in (self.listener, *self.pipes):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked on it (a bare close would not)
            end.close()
        self.pipes.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                inside, _ = listener.accept()
            except OSError:
                return
            outside = socket.create_connection(self.target)
            self.client_ports.append(outside.getsockname()[1])  # the port the server sees this session come from
            self.pipes += [inside, outside]
            for source, sink in ((inside, outside), (outside, inside)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()


class Outage:
    """Makes the app's database unreachable and reachable again."""

    def __init__(self, app, tmp_path):
        self.app, url = app, make_url(app.config["DATABASE_URL"])
        if url.drivername.startswith("postgresql"):
            self.relay = Relay((url.host, url.port or 5432))
            self.up_url = url.set(host="127.0.0.1", port=self.relay.port).render_as_string(hide_password=False)
            self.down_url = None
        else:
            self.relay = None
            self.up_url = str(url)
            self.down_url = f"sqlite:///{tmp_path / 'gone' / 'mindet.sqlite3'}"  # a folder that does not exist
        app.extensions["engine"] = make_engine(self.up_url)

    def cut(self) -> None:
        """The database goes away: on PostgreSQL the relay stops and, as in a restart, the server ends the sessions
        that came through it (the clock's lock with them)."""
        if self.relay:
            self.relay.cut()
            direct = make_engine(self.app.config["DATABASE_URL"])
            with direct.connect() as connection:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND client_port IN :ports").bindparams(
                        bindparam("ports", expanding=True)), {"ports": self.relay.client_ports or [-1]})
                connection.commit()
            direct.dispose()
        else:
            self.app.extensions["engine"] = make_engine(self.down_url)

    def restore(self) -> None:
        """The database is back."""
        if self.relay:
            self.relay.restore()
        else:
            self.app.extensions["engine"] = make_engine(self.up_url)


@pytest.fixture
def outage(app, tmp_path):
    return Outage(app, tmp_path)


def test_pages_say_503_while_the_database_is_away_and_work_again_after(app, client, db, world, outage):
    """Signed-in and anonymous pages and /health answer 503 with Retry-After and a plain explanation, never 500."""
    make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    signed_in_to(login(client, "sec@example.kz"))
    assert client.get("/overdue").status_code == 200
    outage.cut()
    for url in ("/overdue", "/", "/public/", "/account"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert page.headers["Retry-After"] == "60" and "временно недоступен" in page.get_data(as_text=True)
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["status"] == "database unavailable"
    assert health.headers["Retry-After"] == "60"
    outage.restore()
    assert client.get("/overdue").status_code == 200
    assert client.get("/health").get_json()["status"] == "ok"


def _beats(app) -> float:
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with Session(engine) as session:
            beat = session.get(ClockBeat, 1)
            return 0 if beat is None else beat.beat_at.timestamp()
    finally:
        engine.dispose()


def _wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.real_clock
def test_the_clock_waits_while_the_database_is_away_and_resumes_by_itself(app, db, outage, monkeypatch):
    """A running clock loses its database: it skips its runs (on PostgreSQL it also loses its lock and stands by),
    then takes the lock again and beats on its own once the database is back; it stops cleanly when asked."""
    monkeypatch.setattr(scheduler, "DELIVERY_EVERY", {"seconds": 0.2})
    stop = threading.Event()
    clock = threading.Thread(target=scheduler.run_clock, args=(app,), kwargs={"wait_seconds": 0.2, "stop": stop})
    clock.start()
    try:
        assert _wait_for(lambda: _beats(app) > 0), "the clock never beat"
        outage.cut()
        time.sleep(1.5)  # several runs while the database is away
        assert clock.is_alive()
        cut_at = time.time()
        outage.restore()
        assert _wait_for(lambda: _beats(app) > cut_at), "the clock did not resume after the database came back"
    finally:
        stop.set()
        clock.join(10)
    assert not clock.is_alive()
