"""Fixtures for the phone app: the real backend on loopback, invited patients, and a real Kivy
window (SDL2 + Mesa, no display needed) in which the app's screens are built and driven."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Kivy reads these at import: before any test imports it
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ["KIVY_LOG_LEVEL"] = "warning"
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # no stderr capture: it loops with pytest's log capture
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="follicle-kivy-home-"))
os.environ["FOLLICLE_NO_KEYRING"] = "1"  # tests use the owner-only file store, never the user's keyring

from tests.backend.s3_server import moto_endpoint  # noqa: E402,F401  (a fixture, reused)
from bench.live_backend import InvitedPatient, LiveBackend  # noqa: E402
from tests.mobile.loopback_proxy import LoopbackProxy  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WINDOW_SIZE = (400, 800)


BUCKET = "follicle-phone-tests"


@pytest.fixture(scope="session")
def s3_server(moto_endpoint: str) -> str:
    """moto's S3 server on loopback (the backend tests' fixture), with the phone tests' bucket."""
    import boto3

    boto3.client(
        "s3", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    ).create_bucket(Bucket=BUCKET)
    return moto_endpoint


@pytest.fixture(scope="session")
def store_network(s3_server: str) -> Iterator[LoopbackProxy]:
    """The path from the phone (and the backend) to the photo store: a test can cut it."""
    proxy = LoopbackProxy(int(s3_server.rsplit(":", 1)[1]))
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="session")
def backend(tmp_path_factory, store_network: LoopbackProxy) -> Iterator[LiveBackend]:
    """The real backend over HTTP on loopback, keeping photos in S3 (moto) behind `store_network`."""
    live = LiveBackend(
        tmp_path_factory.mktemp("backend"),
        store="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=store_network.url,
        s3_region="us-east-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
        s3_path_style=True,
    ).start(in_subprocess=True)  # its own process: Tortoise's global context stays free for the browser tests in this worker
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def local_store_backend(tmp_path_factory) -> Iterator[LiveBackend]:
    """The backend as `make run` starts it: photos in a local folder behind its own signed URLs
    (in a child process: this process already holds the S3 backend)."""
    live = LiveBackend(tmp_path_factory.mktemp("local-backend")).start(in_subprocess=True)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(autouse=True)
def _networks_restored(request):
    """Whatever a test did to the network, the next one starts online."""
    yield
    if "store_network" in request.fixturenames:
        request.getfixturevalue("store_network").restore()


@pytest.fixture
def invited(backend: LiveBackend) -> InvitedPatient:
    return backend.invite_patient()


# the Kivy window

_PROBE = "from kivy.core.window import Window; import sys; sys.exit(0 if Window is not None else 3)"


@pytest.fixture(scope="session")
def kivy_window():
    """The one Kivy window of this test process, phone-sized; skips when no GL context can be made."""
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, env=os.environ.copy())
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"no OpenGL window can be created here (Kivy/SDL2 needs Mesa or Xvfb): {reason}")
    from kivy.config import Config

    Config.set("graphics", "width", str(WINDOW_SIZE[0]))
    Config.set("graphics", "height", str(WINDOW_SIZE[1]))
    Config.set("graphics", "resizable", "0")
    from kivy.base import EventLoop
    from kivy.core.window import Window

    Window.size = WINDOW_SIZE
    EventLoop.ensure_window()
    return Window


def pump(until: Callable[[], bool] | None = None, *, frames: int = 3, timeout: float = 20.0) -> None:
    """Run the Kivy event loop: `frames` frames, or until `until()` holds (failing after `timeout` s,
    a guard against a hang, not a timing assertion)."""
    from kivy.base import EventLoop

    if until is None:
        for _ in range(frames):
            EventLoop.idle()
        return
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there")
        EventLoop.idle()
        time.sleep(0.005)
    for _ in range(frames):
        EventLoop.idle()


def screenshot(window, name: str) -> Path:
    """Save what the window shows (the app and any popup over it) as tests/artifacts/<name>.png."""
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pump(frames=3)
    picture = Image.new("RGBA", tuple(int(v) for v in window.size), (255, 255, 255, 255))
    for layer_number, layer in enumerate(reversed(window.children)):  # bottom first
        layer_path = ARTIFACTS / f".{name}-{layer_number}.png"
        layer.export_to_png(str(layer_path))
        with Image.open(layer_path) as image:
            picture.alpha_composite(image.convert("RGBA").resize(picture.size))
        layer_path.unlink()
    picture.convert("RGB").save(path)
    return path


@pytest.fixture
def phone_app(kivy_window, backend: LiveBackend, tmp_path: Path):
    """The app, built into the window against the live backend, with no camera (a file chooser)."""
    from kivy.app import App

    from mobile.app import FollicleApp
    from mobile.platform.camera import FileChooserCamera

    pictures = tmp_path / "pictures"
    pictures.mkdir()
    app = FollicleApp(
        data_dir=tmp_path / "phone", server_url=backend.url, camera=FileChooserCamera(pictures), animate=False
    )
    app.root = app.build()
    kivy_window.add_widget(app.root)
    pump()
    try:
        yield app
    finally:
        for child in list(kivy_window.children):
            kivy_window.remove_widget(child)
        pump(frames=1)
        app.dispatch("on_stop")  # also releases kv's cached `app`, so the next test's kv sees its own app
        App._running_app = None
