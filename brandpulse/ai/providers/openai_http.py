"""An OpenAI-compatible HTTP provider (OpenAI, vLLM, Ollama's /v1, LiteLLM-style gateways).

Text goes to `POST {base}/chat/completions`, images to `POST {base}/images/generations`.
Every request carries an `Idempotency-Key` header (gateways that honour it never bill a
retried request twice). Errors are classified here, where the HTTP codes are known:

* transient (retried): timeouts, connection resets, 408, 409, 429 other than
  `insufficient_quota`, every 5xx. `retry-after-ms` / `Retry-After` are passed on.
* permanent (fail at once): 400, 401, 403, 404, other 4xx, 429 `insufficient_quota`,
  a 2xx whose body is not the documented JSON.
"""

from __future__ import annotations

import hashlib
import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from brandpulse.ai.providers.base import GenerationCall, ProviderError, ProviderResult

TEXT_PARAMETERS = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
)
IMAGE_PARAMETERS = ("n", "size", "quality", "style", "response_format")
_PERMANENT_NAMES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from `retry-after-ms` (OpenAI) or `Retry-After` (seconds or HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_code(response: httpx.Response) -> tuple[str | None, str]:
    """The OpenAI error `code`/`type` and message of an error body, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code") or error.get("type")
        return (str(code) if code else None), str(error.get("message") or "")[:300]
    if isinstance(error, str):
        return None, error[:300]
    return None, response.text[:300]


def classify_http_error(response: httpx.Response, latency_ms: int) -> ProviderError:
    """Turn a non-2xx response into a transient or permanent `ProviderError`."""
    status = response.status_code
    code, message = _error_code(response)
    retry_after = parse_retry_after(response.headers)
    if status == 429:
        if code == "insufficient_quota":
            return ProviderError(
                "insufficient_quota",
                message,
                transient=False,
                http_status=status,
                latency_ms=latency_ms,
            )
        return ProviderError(
            "rate_limited",
            message,
            transient=True,
            http_status=status,
            retry_after_s=retry_after,
            latency_ms=latency_ms,
        )
    if status in (408, 409) or status >= 500:
        name = {408: "request_timeout", 409: "conflict"}.get(status, "server_error")
        return ProviderError(
            name,
            message,
            transient=True,
            http_status=status,
            retry_after_s=retry_after,
            latency_ms=latency_ms,
        )
    name = _PERMANENT_NAMES.get(status, f"http_{status}")
    return ProviderError(name, message, transient=False, http_status=status, latency_ms=latency_ms)


def _malformed(detail: str, status: int, latency_ms: int) -> ProviderError:
    return ProviderError(
        "malformed_response", detail, transient=False, http_status=status, latency_ms=latency_ms
    )


class OpenAIHTTPProvider:
    """Calls an OpenAI-compatible endpoint with httpx; one pooled client per provider."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout_seconds: float = 30.0,
        client: httpx.Client | None = None,
        *,
        name: str = "openai",
        max_connections: int = 16,
    ) -> None:
        if not base_url:
            raise ValueError("the openai provider needs BRANDPULSE_AI_BASE_URL")
        self.name = name
        self.base_url = base_url.rstrip("/")
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # one pooled connection per concurrent call: calls never queue inside httpx
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_seconds), headers=headers, limits=limits
        )

    def close(self) -> None:
        self._client.close()

    def _post(
        self, path: str, payload: dict[str, Any], call: GenerationCall
    ) -> tuple[dict[str, Any], int, int]:
        started = time.perf_counter()
        try:
            response = self._client.post(
                f"{self.base_url}{path}",
                json=payload,
                headers={"Idempotency-Key": call.idempotency_key},
            )
        except httpx.TimeoutException as exc:
            latency = int((time.perf_counter() - started) * 1000)
            raise ProviderError(
                "timeout", str(exc) or "request timed out", transient=True, latency_ms=latency
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            latency = int((time.perf_counter() - started) * 1000)
            raise ProviderError(
                "connection_error",
                str(exc) or type(exc).__name__,
                transient=True,
                latency_ms=latency,
            ) from exc
        latency = int((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise classify_http_error(response, latency)
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise _malformed("response body is not JSON", response.status_code, latency) from exc
        if not isinstance(body, dict):
            raise _malformed("response body is not a JSON object", response.status_code, latency)
        return body, response.status_code, latency

    def generate(self, call: GenerationCall, attempt: int) -> ProviderResult:
        if call.type == "image":
            return self._image(call)
        return self._text(call)

    def _text(self, call: GenerationCall) -> ProviderResult:
        payload: dict[str, Any] = {
            "model": call.model,
            "messages": [{"role": "user", "content": call.prompt}],
        }
        payload.update({k: call.parameters[k] for k in TEXT_PARAMETERS if k in call.parameters})
        body, status, latency = self._post("/chat/completions", payload, call)
        try:
            content = body["choices"][0]["message"]["content"]
            usage = body.get("usage") or {}
            input_tokens = int(usage["prompt_tokens"])
            output_tokens = int(usage["completion_tokens"])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise _malformed(f"chat completion without {exc}", status, latency) from exc
        if not isinstance(content, str):
            raise _malformed("message content is not text", status, latency)
        return ProviderResult(content, input_tokens, output_tokens, 0, latency, status)

    def _image(self, call: GenerationCall) -> ProviderResult:
        payload: dict[str, Any] = {"model": call.model, "prompt": call.prompt}
        payload.update({k: call.parameters[k] for k in IMAGE_PARAMETERS if k in call.parameters})
        body, status, latency = self._post("/images/generations", payload, call)
        data = body.get("data")
        if not isinstance(data, list) or not data:
            raise _malformed("image response without data", status, latency)
        outputs = []
        for item in data:
            if isinstance(item, dict) and item.get("url"):
                outputs.append(str(item["url"]))
            elif isinstance(item, dict) and item.get("b64_json"):
                digest = hashlib.sha256(str(item["b64_json"]).encode()).hexdigest()
                outputs.append(f"b64sha256:{digest}")
            else:
                raise _malformed("image item without url or b64_json", status, latency)
        usage = body.get("usage") or {}
        try:
            input_tokens = int(usage.get("input_tokens") or 0)
            output_tokens = int(usage.get("output_tokens") or 0)
        except (TypeError, ValueError) as exc:
            raise _malformed("image usage is not numeric", status, latency) from exc
        return ProviderResult(
            " ".join(outputs), input_tokens, output_tokens, len(outputs), latency, status
        )
