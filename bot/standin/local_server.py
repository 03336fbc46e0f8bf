"""What the provider stand-ins (``providers.py``, ``cursor.py``) share: a real HTTP server on 127.0.0.1 in a
thread, the requests it saw, and faults a test plans for the n-th request to a path."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Fault:
    path: str
    on_request: int  # the 1-based number of the request to the path (counted since the server started)
    status: int | None  # None: answer 200 but cut the body off half-way
    retry_after: str | None = None
    times: int = 1


class LocalServer:
    """Base of a stand-in: ``start``/``stop`` (or ``with``), ``url``, ``requests(path)``, ``fail(...)``;
    a subclass gives ``_handler_class()`` and calls ``_record(path, request)`` for each request it answers."""

    def __init__(self, name: str) -> None:
        self._lock = threading.Lock()
        self._requests: list[Any] = []
        self._faults: list[Fault] = []
        self._counts: dict[str, int] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=name, daemon=True)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def requests(self, path: str | None = None) -> list[Any]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def fail(
        self, path: str, status: int | None, *, on_request: int = 1, retry_after: str | None = None, times: int = 1
    ) -> None:
        """Answer ``status`` (None: a 200 whose body breaks off) to the ``on_request``-th request to ``path``
        from now on, and to the ``times - 1`` after it."""
        with self._lock:
            due = self._counts.get(path, 0) + on_request
            self._faults.append(Fault(path, due, status, retry_after, times))

    def _record(self, path: str, request: object) -> Fault | None:
        """Note a request; the fault planned for it, if any (used up as it is returned)."""
        with self._lock:
            self._requests.append(request)
            count = self._counts[path] = self._counts.get(path, 0) + 1
            fault = next((f for f in self._faults if f.path == path and f.on_request == count), None)
            if fault is not None:
                fault.times -= 1
                fault.on_request = count + 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        return fault
