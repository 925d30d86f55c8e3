"""A small raw-asyncio HTTP/1.1 load generator (keep-alive, fixed concurrency, latency per request).

httpx saturates near 400 req/s on its own CPU; this client does several thousand, so the figures
measure the server, not the client.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

# Called with each answer, in the order they arrive: (seconds it took, status line, body).
OnAnswer = Callable[[float, bytes, bytes], None]


def refused_only(body: bytes) -> bool:
    """A 200 answer with data whose every error is a refusal below the root (FORBIDDEN at a
    reference path, e.g. a co-owner who is no party of the cited case): the request did what
    the policy says, it did not fail."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    errors = answer.get("errors") or []
    return (
        bool(errors)
        and answer.get("data") is not None
        and all(
            (e.get("extensions") or {}).get("code") == "FORBIDDEN" and len(e.get("path") or []) > 1
            for e in errors
        )
    )


@dataclass
class LoadResult:
    requests: int
    errors: int  # failed: not 200, or an error other than a refusal below the root
    seconds: float
    latencies: list[float]
    refused: int = 0  # answered, with a policy or purpose refusal at a reference path

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "refused": self.refused,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2),
        }


def build_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        "Host: bench",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    counter: list[int],
    total: int,
    latencies: list[float],
    errors: list[int],
    error_marker: bytes | None,
    refused: list[int],
    on_answer: OnAnswer | None,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while counter[0] < total:
            i = counter[0]
            counter[0] += 1
            started = time.perf_counter()
            writer.write(requests[i % len(requests)])
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if on_answer is not None:
                on_answer(latencies[-1], status, body)
            if not status.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
            elif error_marker and error_marker in body:
                if refused_only(body):
                    refused[0] += 1
                else:
                    errors[0] += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    total: int,
    concurrency: int,
    error_marker: bytes | None = b'"errors"',
    on_answer: OnAnswer | None = None,
) -> LoadResult:
    counter, errors, refused, latencies = [0], [0], [0], []  # type: ignore[var-annotated]
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _worker(
                host,
                port,
                requests,
                counter,
                total,
                latencies,
                errors,
                error_marker,
                refused,
                on_answer,
            )
            for _ in range(concurrency)
        )
    )
    return LoadResult(
        len(latencies), errors[0], time.perf_counter() - started, latencies, refused[0]
    )
