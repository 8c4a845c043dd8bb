"""Google's OAuth token endpoint and FCM's HTTP v1 send endpoint, on one loopback port.

Checks requests the way the real services do (a signed JWT assertion, a bearer token it
issued, the message's JSON shape) and answers in their formats. Anything wrong in a request
is also written to `problems`, so a test can assert the client sent nothing malformed.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
MESSAGE_FIELDS = {"name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition"}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def fcm_error(
    code: int,
    status: str,
    message: str,
    *,
    error_code: str | None = None,
    field_violations: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """An error answer in FCM v1's format (google.rpc.Status with FcmError / BadRequest details)."""
    details: list[dict[str, Any]] = []
    if error_code:
        details.append({"@type": FCM_ERROR, "errorCode": error_code})
    if field_violations:
        details.append(
            {"@type": BAD_REQUEST, "fieldViolations": [{"field": f, "description": message} for f in field_violations]}
        )
    body = {"error": {"code": code, "message": message, "status": status, "details": details}}
    return Answer(code, body, headers or {})


class GoogleLoopback:
    def __init__(
        self,
        public_key: RSAPublicKey,
        *,
        client_email: str,
        key_id: str,
        project_id: str,
        clock: Callable[[], float],
    ) -> None:
        self.public_key = public_key
        self.client_email = client_email
        self.key_id = key_id
        self.project_id = project_id
        self.clock = clock
        self.token_lifetime = 3599
        self.oauth_requests: list[dict[str, Any]] = []
        self.rejected_assertions: list[str] = []
        self.send_requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.oauth_answers: deque[Answer] = deque()
        self._answers: defaultdict[str, deque[Answer]] = defaultdict(deque)
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # a short poll interval lets shutdown() return at once when a test ends
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def start(self) -> GoogleLoopback:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer_next(self, device_token: str, answer: Answer) -> None:
        """Queue the answer to the next send to `device_token` (success when nothing is queued)."""
        self._answers[device_token].append(answer)

    def revoke_access_tokens(self) -> None:
        with self._lock:
            self._issued.clear()

    # --- token endpoint -----------------------------------------------------------------------

    def _token(self, headers: dict[str, str], raw: bytes) -> Answer:
        if headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            self.problems.append(f"token request content-type {headers.get('content-type')!r}")
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            self.problems.append(f"grant_type {form.get('grant_type')!r}")
            return Answer(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS256"],
                audience=self.token_uri,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            self.rejected_assertions.append(repr(exc))
            return Answer(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        now = self.clock()
        wrong = [
            what
            for what, bad in (
                ("kid", header.get("kid") != self.key_id),
                ("iss", claims.get("iss") != self.client_email),
                ("scope", claims.get("scope") != FCM_SCOPE),
                ("iat", not now - 300 <= claims.get("iat", 0) <= now + 60),
                ("exp", not now < claims.get("exp", 0) <= claims.get("iat", 0) + 3600),
            )
            if bad
        ]
        if wrong:
            self.problems.append(f"assertion claims wrong: {wrong}")
            return Answer(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {wrong}"})
        self.oauth_requests.append(claims)
        if self.oauth_answers:
            return self.oauth_answers.popleft()
        with self._lock:
            access_token = f"ya29.loopback-{len(self.oauth_requests)}"
            self._issued[access_token] = now + self.token_lifetime
        return Answer(200, {"access_token": access_token, "expires_in": self.token_lifetime, "token_type": "Bearer"})

    # --- FCM v1 send --------------------------------------------------------------------------

    def _send(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        if path != f"/v1/projects/{self.project_id}/messages:send":
            self.problems.append(f"send path {path!r}")
            return fcm_error(404, "NOT_FOUND", "Requested entity was not found.")
        bearer = headers.get("authorization", "")
        with self._lock:
            expires_at = self._issued.get(bearer.removeprefix("Bearer "))
        if not bearer.startswith("Bearer ") or expires_at is None or expires_at <= self.clock():
            return fcm_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if headers.get("content-type", "").split(";")[0] != "application/json":
            self.problems.append(f"send content-type {headers.get('content-type')!r}")
        body = json.loads(raw)
        self.send_requests.append({"headers": headers, "body": body, "raw": raw})
        wrong = _message_problems(body)
        if wrong:
            self.problems.extend(wrong)
            return fcm_error(400, "INVALID_ARGUMENT", "; ".join(wrong), field_violations=wrong)
        device_token = body["message"]["token"]
        if self._answers[device_token]:
            return self._answers[device_token].popleft()
        return Answer(200, {"name": f"projects/{self.project_id}/messages/{len(self.send_requests)}"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == "/token":
                    answer = loopback._token(headers, raw)
                else:
                    answer = loopback._send(self.path, headers, raw)
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _message_problems(body: Any) -> list[str]:
    """What FCM's v1 parser would refuse in a send body, as field paths."""
    if not isinstance(body, dict) or set(body) != {"message"} or not isinstance(body["message"], dict):
        return ["body must be {'message': {...}}"]
    message = body["message"]
    wrong = [f"message.{name} (unknown field)" for name in set(message) - MESSAGE_FIELDS]
    if not isinstance(message.get("token"), str) or not message["token"]:
        wrong.append("message.token")
    notification = message.get("notification")
    if not isinstance(notification, dict) or not all(isinstance(notification.get(k), str) for k in ("title", "body")):
        wrong.append("message.notification")
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        wrong.append("message.data (values must be strings)")
    elif any(k in {"from", "notification", "message_type"} or k.startswith(("gcm", "google")) for k in data):
        wrong.append("message.data (reserved key)")
    android = message.get("android")
    if not isinstance(android, dict) or android.get("priority") not in {"high", "normal", "HIGH", "NORMAL"}:
        wrong.append("message.android.priority")
    elif not re.fullmatch(r"\d+(\.\d{1,9})?s", str(android.get("ttl", "0s"))):
        wrong.append("message.android.ttl")
    apns = message.get("apns")
    if not isinstance(apns, dict) or not isinstance(apns.get("headers"), dict):
        wrong.append("message.apns.headers")
    else:
        if not all(isinstance(v, str) for v in apns["headers"].values()):
            wrong.append("message.apns.headers (values must be strings)")
        if apns["headers"].get("apns-priority") not in {"5", "10"}:
            wrong.append("message.apns.headers.apns-priority")
        if not isinstance(apns.get("payload", {}).get("aps"), dict):
            wrong.append("message.apns.payload.aps")
    webpush = message.get("webpush")
    if not isinstance(webpush, dict) or not all(isinstance(v, str) for v in webpush.get("headers", {}).values()):
        wrong.append("message.webpush.headers")
    return wrong
