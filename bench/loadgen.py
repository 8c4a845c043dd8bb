"""A small HTTP/1.1 load generator: keep-alive connections on raw asyncio streams, so the client
costs little next to the server it measures (httpx would be the bottleneck)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit


async def _connection(host: str, port: int, request: bytes, count: list[int], stop_at: int, sizes: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while count[0] < stop_at:
            count[0] += 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {head[:200]!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            sizes.append(len(body))
    finally:
        writer.close()


async def _run(url: str, headers: dict[str, str], requests: int, connections: int) -> tuple[float, int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [f"GET {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    count, sizes = [0], []
    started = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, request, count, requests, sizes) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return len(sizes) / elapsed, (sum(sizes) // len(sizes) if sizes else 0)


def requests_per_second(url: str, *, headers: dict[str, str] | None = None, requests: int = 2000, connections: int = 16) -> tuple[float, int]:
    """(requests per second, mean body bytes) for `requests` GETs of `url` over `connections` connections."""
    return asyncio.run(_run(url, headers or {}, requests, connections))
