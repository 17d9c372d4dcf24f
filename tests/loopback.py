"""An HTTP server on loopback for tests: a real server in a thread that records each request
and answers as the test tells it (a status, a body, a delay). Webhook receivers and the fake
text gateway are both one of these."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.answer = "ok"
        self.content_type = "text/plain"
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the standard library's handler hook
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                with receiver.lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status, delay, answer = receiver.status, receiver.delay, receiver.answer
                time.sleep(delay)
                data = answer.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", receiver.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sender gave up waiting (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def events(self) -> list[dict]:
        with self.lock:
            return [json.loads(item["body"]) for item in self.received]

    def types(self) -> list[str]:
        return [event.get("type") for event in self.events()]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
