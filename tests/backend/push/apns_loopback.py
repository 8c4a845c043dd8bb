"""An APNs look-alike: HTTP/2 over TLS (ALPN h2) on loopback, built on the h2 library.

It checks what api.push.apple.com checks (path, topic, push type, priority, expiration,
the ES256 provider token against the team's public key, token age, the alert payload) and
answers with Apple's statuses and reasons. Anything malformed is also written to `problems`.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import ConnectionTerminated, DataReceived, RequestReceived, StreamEnded, StreamReset

PROVIDER_TOKEN_MAX_AGE = 3600


@dataclass
class ApnsAnswer:
    status: int
    reason: str | None = None
    headers: dict[str, str] | None = None


class ApnsLoopback:
    def __init__(
        self,
        public_key: EllipticCurvePublicKey,
        *,
        key_id: str,
        team_id: str,
        topic: str,
        cert_file: Path,
        key_file: Path,
        clock: Callable[[], float],
    ) -> None:
        self.public_key = public_key
        self.key_id = key_id
        self.team_id = team_id
        self.topic = topic
        self.clock = clock
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.negotiated_protocols: list[str | None] = []
        # provider tokens issued before this instant are answered ExpiredProviderToken
        self.tokens_expire_before = 0.0
        self._answers: defaultdict[str, deque[ApnsAnswer]] = defaultdict(deque)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert_file, key_file)
        self._tls.set_alpn_protocols(["h2"])
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"https://{host}:{port}"

    async def start(self) -> ApnsLoopback:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._tls)
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        # abort, not close: a TLS close waits for the client's close_notify, and an idle client never reads
        for writer in self._connections.values():
            writer.transport.abort()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    def answer_next(self, device_token: str, answer: ApnsAnswer) -> None:
        """Queue the answer to the next push to `device_token` (200 when nothing is queued)."""
        self._answers[device_token].append(answer)

    def provider_tokens_seen(self) -> list[str]:
        return [r["headers"]["authorization"].removeprefix("bearer ") for r in self.requests]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            protocol = writer.get_extra_info("ssl_object").selected_alpn_protocol()
            self.negotiated_protocols.append(protocol)
            if protocol != "h2":
                self.problems.append(f"ALPN negotiated {protocol!r}, APNs speaks only h2")
                return
            await self._speak_h2(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _speak_h2(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = H2Connection(H2Configuration(client_side=False, header_encoding="utf-8"))
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        streams: dict[int, tuple[list[tuple[str, str]], bytearray]] = {}
        while data := await reader.read(65535):
            for event in connection.receive_data(data):
                if isinstance(event, RequestReceived):
                    streams[event.stream_id] = (list(event.headers), bytearray())
                elif isinstance(event, DataReceived):
                    streams[event.stream_id][1].extend(event.data)
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, StreamEnded):
                    headers, body = streams.pop(event.stream_id)
                    status, response_headers, response_body = self._answer(headers, bytes(body))
                    connection.send_headers(
                        event.stream_id,
                        [(":status", str(status)), *response_headers.items()],
                        end_stream=not response_body,
                    )
                    if response_body:
                        connection.send_data(event.stream_id, response_body, end_stream=True)
                elif isinstance(event, StreamReset):
                    streams.pop(event.stream_id, None)
                elif isinstance(event, ConnectionTerminated):
                    writer.write(connection.data_to_send())
                    return
            writer.write(connection.data_to_send())
            await writer.drain()

    def _answer(self, header_list: list[tuple[str, str]], body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = dict(header_list)
        if len(headers) != len(header_list):
            return self._reject(400, "DuplicateHeaders", "a header was sent twice")
        match = re.fullmatch(r"/3/device/([0-9a-f]{64,200})", headers.get(":path", ""))
        if headers.get(":method") != "POST":
            return self._reject(405, "MethodNotAllowed", f"method {headers.get(':method')}")
        if not match:
            return self._reject(404, "BadPath", f"path {headers.get(':path')!r}")
        device_token = match.group(1)
        if headers.get("apns-topic") != self.topic:
            return self._reject(400, "BadTopic" if "apns-topic" in headers else "MissingTopic", "topic")
        if headers.get("apns-push-type") != "alert":
            return self._reject(400, "InvalidPushType", f"push type {headers.get('apns-push-type')!r}")
        if headers.get("apns-priority") not in {"5", "10"}:
            return self._reject(400, "BadPriority", f"priority {headers.get('apns-priority')!r}")
        if not headers.get("apns-expiration", "").isdigit():
            return self._reject(400, "BadExpirationDate", f"expiration {headers.get('apns-expiration')!r}")
        token_problem = self._provider_token_problem(headers.get("authorization", ""))
        if token_problem:
            return self._answer_json(403, token_problem)
        payload_problem = _payload_problem(body)
        if payload_problem:
            return self._reject(400, "PayloadEmpty" if not body else "BadPayload", payload_problem)
        self.requests.append({"headers": headers, "body": json.loads(body), "raw": body})
        if self._answers[device_token]:
            answer = self._answers[device_token].popleft()
            if answer.status != 200:
                status, response_headers, response_body = self._answer_json(answer.status, answer.reason or "")
                return status, {**response_headers, **(answer.headers or {})}, response_body
        return 200, {"apns-id": str(uuid.uuid4()).upper(), "apns-unique-id": str(uuid.uuid4())}, b""

    def _provider_token_problem(self, authorization: str) -> str | None:
        if not authorization.startswith("bearer "):
            self.problems.append("authorization header is not 'bearer <token>'")
            return "MissingProviderToken"
        token = authorization.removeprefix("bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token, self.public_key, algorithms=["ES256"], options={"verify_iat": False, "require": ["iat", "iss"]}
            )
        except jwt.PyJWTError:
            return "InvalidProviderToken"
        if header.get("kid") != self.key_id or claims.get("iss") != self.team_id:
            self.problems.append(f"provider token kid/iss wrong: {header}, {claims}")
            return "InvalidProviderToken"
        if claims["iat"] < self.tokens_expire_before or claims["iat"] < self.clock() - PROVIDER_TOKEN_MAX_AGE:
            return "ExpiredProviderToken"
        return None

    def _reject(self, status: int, reason: str, problem: str) -> tuple[int, dict[str, str], bytes]:
        self.problems.append(problem)
        return self._answer_json(status, reason)

    def _answer_json(self, status: int, reason: str) -> tuple[int, dict[str, str], bytes]:
        body: dict[str, Any] = {"reason": reason}
        if status == 410:
            body["timestamp"] = int(time.time() * 1000)
        payload = json.dumps(body).encode()
        return status, {"apns-id": str(uuid.uuid4()).upper(), "content-length": str(len(payload))}, payload


def _payload_problem(body: bytes) -> str | None:
    if not body:
        return "empty payload"
    if len(body) > 4096:
        return "payload over 4 KB"
    try:
        payload = json.loads(body)
    except ValueError:
        return "payload is not JSON"
    alert = payload.get("aps", {}).get("alert") if isinstance(payload, dict) else None
    if not isinstance(alert, dict) or not all(isinstance(alert.get(k), str) for k in ("title", "body")):
        return "aps.alert needs a title and a body"
    return None
