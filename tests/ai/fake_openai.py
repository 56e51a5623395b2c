"""A fake OpenAI-compatible server on 127.0.0.1 for the AI tests.

Behaviour is chosen per request by a marker in the prompt:

* `[ok]` (or no marker): 200 with usage 10 prompt / 20 completion tokens
* `[429]`: 429 rate_limit_exceeded with `Retry-After: 7` on the first 2 calls of a key, then ok
* `[429ms]`: 429 with `retry-after-ms: 250` on the first call, then ok
* `[500]`: always 500;  `[500once]`: 500 on the first call of a key, then ok
* `[timeout]`: answers after `slow_seconds` (longer than the client timeout)
* `[hang1]`: the first call of a key answers after `slow_seconds`, later ones at once
* `[malformed]`: 200 with a body that is not JSON;  `[nousage]`: 200 JSON without usage
* `[quota]`: 429 insufficient_quota;  `[401]`: 401 invalid_api_key

and, for every request whatever its prompt:

* `latency_s`: seconds each answer takes (a real provider's think time);
* `every_429` / `every_500`: the n-th call overall (1-based) answers 429 with
  `Retry-After: 1` when n is a multiple of `every_429`, else 500 when a multiple of
  `every_500` (the bench's failure mix);
* `fail_models`: models that always answer 500 (a provider outage for fallback tests).

`calls[key]` counts requests by Idempotency-Key, `completions[key]` successful answers,
`models[model]` requests per model. `python -m tests.ai.fake_openai --latency 0.3
--every-429 5 --every-500 7` serves one in its own process (the bench) and prints its URL.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many concurrent clients connect at once


class FakeOpenAI:
    def __init__(
        self,
        slow_seconds: float = 0.5,
        *,
        latency_s: float = 0.0,
        every_429: int = 0,
        every_500: int = 0,
        fail_models: frozenset[str] = frozenset(),
    ) -> None:
        self.slow_seconds = slow_seconds
        self.latency_s = latency_s
        self.every_429 = every_429
        self.every_500 = every_500
        self.fail_models = fail_models
        self.total_calls = 0
        self.models: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.completions: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: clients reuse their connections

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
                    fake.total_calls += 1
                    nth = fake.total_calls
                    fake.models[str(body.get("model"))] += 1
                    fake.headers.append(dict(self.headers.items()))
                if fake.latency_s:
                    time.sleep(fake.latency_s)
                if fake.every_429 and nth % fake.every_429 == 0:
                    return fake.error(self, 429, "rate_limit_exceeded", {"Retry-After": "1"})
                if fake.every_500 and nth % fake.every_500 == 0:
                    return fake.error(self, 500, "server_error")
                if body.get("model") in fake.fail_models:
                    return fake.error(self, 500, "server_error")
                prompt = (
                    body["messages"][0]["content"] if "messages" in body else body.get("prompt", "")
                )
                fake.answer(self, self.path, body, prompt, n, key)

        self.server = _Server(("127.0.0.1", 0), Handler)
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

    def error(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        code: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._send(
            handler, status, {"error": {"message": code, "type": code, "code": code}}, headers
        )

    def answer(
        self, handler: BaseHTTPRequestHandler, path: str, body: dict, prompt: str, n: int, key: str
    ) -> None:
        def error(status: int, code: str, headers: dict[str, str] | None = None) -> None:
            self.error(handler, status, code, headers)

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
        if "[timeout]" in prompt or ("[hang1]" in prompt and n <= 1):
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


def main() -> None:
    """Serve a fake OpenAI endpoint in this process until killed; prints its base URL."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--every-429", type=int, default=0)
    p.add_argument("--every-500", type=int, default=0)
    args = p.parse_args()
    fake = FakeOpenAI(latency_s=args.latency, every_429=args.every_429, every_500=args.every_500)
    with fake:
        print(fake.base_url, flush=True)
        try:
            while True:
                line = sys.stdin.readline()
                if not line:
                    return
                if line.strip() == "stats":
                    with fake.lock:
                        stats = {
                            "total_calls": fake.total_calls,
                            "keys": len(fake.calls),
                            "duplicate_completions": sum(
                                n - 1 for n in fake.completions.values() if n > 1
                            ),
                            "completions": sum(fake.completions.values()),
                        }
                    print(json.dumps(stats), flush=True)
        except KeyboardInterrupt:
            return


if __name__ == "__main__":
    main()
