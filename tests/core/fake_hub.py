"""A tiny local stand-in for the Hugging Face hub (model_info and file downloads), so the
download path runs offline in tests. Serves repos from {repo_id: {filename: bytes}} and
records every requested path."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHA = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repos: dict[str, dict[str, bytes]]) -> None:
        self.repos, self.requests = repos, []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def do_GET(self) -> None:
                self._answer(head=False)

            def _answer(self, head: bool) -> None:
                path = self.path.split("?")[0]
                hub.requests.append((self.command, path))
                body, headers = hub.route(path)
                if body is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, path: str):
        if path.startswith("/api/models/"):
            repo = path[len("/api/models/"):].split("/revision/")[0]
            files = self.repos.get(repo)
            if files is None:
                return None, {}
            info = {"id": repo, "modelId": repo, "sha": SHA, "private": False,
                    "siblings": [{"rfilename": n, "size": len(b)} for n, b in files.items()]}
            return json.dumps(info).encode(), {"Content-Type": "application/json"}
        for repo, files in self.repos.items():
            prefix = f"/{repo}/resolve/"
            if path.startswith(prefix):
                name = path[len(prefix):].split("/", 1)[1]
                if name not in files:
                    return None, {}
                body = files[name]
                return body, {"X-Repo-Commit": SHA, "ETag": f'"{hashlib.sha256(body).hexdigest()}"'}
        return None, {}

    def fetched(self) -> set[str]:
        return {p.split("/resolve/")[1].split("/", 1)[1] for m, p in self.requests
                if m == "GET" and "/resolve/" in p}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
