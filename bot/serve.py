"""Running the Bolt app: HTTP (waitress, ``/slack/events``) or Socket Mode."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

EVENTS_PATH = "/slack/events"


@dataclass
class HttpServer:
    """A running HTTP endpoint for the app (used by ``serve``, the demo and the tests)."""

    server: object
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def stop(self) -> None:
        """Close every socket from inside the server's own loop (closing them from here races its select)."""

        def close_in_loop() -> None:
            self.server.task_dispatcher.shutdown()
            wasyncore.close_all(self.server._map)

        self.server.trigger.pull_trigger(close_in_loop)
        self.thread.join(timeout=5)


def start_http(app: App, host: str = "127.0.0.1", port: int = 0) -> HttpServer:
    """Serve the app over HTTP in a background thread; port 0 picks a free port."""
    server = create_server(SlackRequestHandler(app, path=EVENTS_PATH), host=host, port=port, threads=8)
    thread = threading.Thread(target=server.run, name="airetro-http", daemon=True)
    thread.start()
    return HttpServer(server=server, thread=thread, port=server.effective_port)


def serve_http_forever(app: App, port: int) -> None:
    server = create_server(SlackRequestHandler(app, path=EVENTS_PATH), host="0.0.0.0", port=port, threads=8)
    print(f"AI Retro listening on http://0.0.0.0:{server.effective_port}{EVENTS_PATH}", flush=True)
    server.run()


def serve_socket_mode(app: App, app_token: str) -> None:
    print("AI Retro connecting to Slack in Socket Mode", flush=True)
    SocketModeHandler(app, app_token).start()
