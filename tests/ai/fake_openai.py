"""A fake OpenAI-compatible server on 127.0.0.1 for the AI tests.

Behaviour is chosen per request by a marker in the prompt:

* `[ok]` (or no marker): 200 with usage 10 prompt / 20 completion tokens
* `[429]`: 429 rate_limit_exceeded with `Retry-After: 7` on the first 2 calls of a key, then ok
* `[429ms]`: 429 with `retry-after-ms: 250` on the first call, then ok
* `[500]`: always 500;  `[500once]`: 500 on the first call of a key, then ok
* `[timeout]`: answers after `slow_seconds` (longer than the client timeout)
* `[malformed]`: 200 with a body that is not JSON;  `[nousage]`: 200 JSON without usage
* `[quota]`: 429 insufficient_quota;  `[401]`: 401 invalid_api_key

`calls[key]` counts requests by Idempotency-Key, `completions[key]` successful answers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, slow_seconds: float = 0.5) -> None:
        self.slow_seconds = slow_seconds
        self.calls: Counter[str] = Counter()
        self.completions: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
                )
                key = self.headers.get("Idempotency-Key", "")
                with fake.lock:
                    fake.calls[key] += 1
                    n = fake.calls[key]
                    fake.headers.append(dict(self.headers.items()))
                prompt = (
                    body["messages"][0]["content"] if "messages" in body else body.get("prompt", "")
                )
                fake.answer(self, self.path, body, prompt, n, key)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: object,
        headers: dict[str, str] | None = None,
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def answer(
        self, handler: BaseHTTPRequestHandler, path: str, body: dict, prompt: str, n: int, key: str
    ) -> None:
        def error(status: int, code: str, headers: dict[str, str] | None = None) -> None:
            self._send(
                handler, status, {"error": {"message": code, "type": code, "code": code}}, headers
            )

        if "[429]" in prompt and n <= 2:
            return error(429, "rate_limit_exceeded", {"Retry-After": "7"})
        if "[429ms]" in prompt and n <= 1:
            return error(429, "rate_limit_exceeded", {"retry-after-ms": "250"})
        if "[500]" in prompt or ("[500once]" in prompt and n <= 1):
            return error(500, "server_error")
        if "[quota]" in prompt:
            return error(429, "insufficient_quota")
        if "[401]" in prompt:
            return error(401, "invalid_api_key")
        if "[timeout]" in prompt:
            time.sleep(self.slow_seconds)
        if "[malformed]" in prompt:
            return self._send(handler, 200, b"{not json")
        with self.lock:
            self.completions[key] += 1
        if path.endswith("/images/generations"):
            count = int(body.get("n") or 1)
            return self._send(
                handler,
                200,
                {
                    "created": 1,
                    "data": [{"url": f"https://img.test/{key[:8]}/{i}.png"} for i in range(count)],
                },
            )
        if "[nousage]" in prompt:
            return self._send(
                handler, 200, {"choices": [{"message": {"role": "assistant", "content": "hi"}}]}
            )
        return self._send(
            handler,
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"answer to: {prompt[:40]}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
            },
        )
