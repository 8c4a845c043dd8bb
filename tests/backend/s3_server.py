"""moto's S3 server on loopback, and a switchable TCP relay in front of it to take the store "down".

`moto_endpoint` (session): one ThreadedMotoServer on 127.0.0.1, port chosen by the OS.
`s3_store` (test): a fresh bucket reached through a `StoreRelay`; `relay.down()` makes every
connection to the store fail at once (like a store that is unreachable), `relay.up()` restores it.
"""

from __future__ import annotations

import socket
import threading
import uuid
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config

ACCESS_KEY = "follicle-test"
SECRET_KEY = "follicle-test-secret"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class StoreRelay:
    """Relays TCP connections to the store; while down it drops every connection at once."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def down(self) -> None:
        with self._lock:
            self._up = False
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self._open.clear()

    def up(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.down()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._up:
                    conn.close()
                    continue
                try:
                    upstream = socket.create_connection(self.upstream)
                except OSError:
                    conn.close()
                    continue
                self._open.update({conn, upstream})
            for source, target in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for conn in (source, target):
                with self._lock:
                    self._open.discard(conn)
                try:
                    conn.close()
                except OSError:
                    pass


@dataclass
class S3Fixture:
    endpoint: str  # through the relay
    bucket: str
    relay: StoreRelay
    client: object  # a boto3 client straight to moto, for looking at the bucket

    def keys(self) -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(entry["Key"] for entry in answer.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.bucket, Key=key)


def direct_client(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3(moto_endpoint: str):
    client = direct_client(moto_endpoint)
    bucket = f"follicle-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    host, port = moto_endpoint.removeprefix("http://").split(":")
    relay = StoreRelay((host, int(port)))
    try:
        yield S3Fixture(endpoint=relay.endpoint, bucket=bucket, relay=relay, client=client)
    finally:
        relay.close()


def s3_settings(settings, s3: S3Fixture, **changes):
    """The test settings pointed at the fixture's bucket, through the relay."""
    return settings.replace(
        store="s3",
        s3_endpoint_url=s3.endpoint,
        s3_bucket=s3.bucket,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
        s3_path_style=True,
        s3_max_attempts=1,  # a store that is down answers at once, without backoff
        s3_connect_timeout_seconds=2,
        s3_read_timeout_seconds=5,
        photo_sweep_seconds=0,
        **changes,
    )
