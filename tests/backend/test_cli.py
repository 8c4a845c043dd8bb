"""The `follicle` command an operator uses on a fresh install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _follicle(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")},
        "FOLLICLE_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "FOLLICLE_PUBLIC_URL": "http://127.0.0.1:8123",
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, input=stdin, capture_output=True, text=True, timeout=120,
    )


def test_migrate_then_create_admin_then_sign_in(tmp_path):
    assert _follicle(tmp_path, "migrate").returncode == 0
    created = _follicle(tmp_path, "create-admin", "--clinic", "Northside Hair", "--email", "Lead@Northside.example",
                        "--password", "a-long-admin-password")
    assert created.returncode == 0, created.stderr
    assert "Northside Hair" in created.stdout and "lead@northside.example" in created.stdout
    again = _follicle(tmp_path, "create-admin", "--clinic", "Other", "--email", "lead@northside.example",
                      "--password", "a-long-admin-password")
    assert again.returncode == 1 and "already exists" in again.stderr
    short = _follicle(tmp_path, "create-admin", "--clinic", "Other", "--email", "x@y.example", "--password", "short")
    assert short.returncode == 1 and "at least 10" in short.stderr


def test_seed_demo_prints_where_to_go_and_a_fresh_invite_each_time(tmp_path):
    assert _follicle(tmp_path, "migrate").returncode == 0
    first = _follicle(tmp_path, "seed-demo")
    second = _follicle(tmp_path, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8123/dashboard" in first.stdout
    assert "demo@follicle.example / follicle-demo-2026" in first.stdout
    code_of = lambda out: out.split("Patient invite:")[1].split()[0]  # noqa: E731
    assert code_of(first.stdout) != code_of(second.stdout)


def _plain_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")}
    env.update({"PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")})
    env.update({f"FOLLICLE_{k.upper()}": v for k, v in values.items()})
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_migrate_says_what_it_applied_then_that_nothing_was_left(tmp_path):
    first = _follicle(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applied" in first.stdout and "0001_foundation" in first.stdout and "0004_checkins" in first.stdout
    assert "up to date" not in first.stdout
    second = _follicle(tmp_path, "migrate")
    assert "Nothing to apply" in second.stdout and "already up to date" in second.stdout
    assert "0001_foundation" not in second.stdout


def test_the_data_folder_is_the_same_from_any_working_directory(tmp_path):
    env = _plain_env(tmp_path)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    assert _run(["migrate"], tmp_path / "one", env).returncode == 0
    created = _run(["create-admin", "--clinic", "C", "--email", "a@c.example", "--password", "a-long-admin-password"], tmp_path / "two", env)
    assert created.returncode == 0, created.stderr  # the schema made from `one` is there from `two`
    data = tmp_path / "xdg" / "follicle"
    assert (data / "follicle.sqlite3").is_file() and (data / "secret_key").is_file()
    assert not (tmp_path / "one" / "var").exists() and not (tmp_path / "two" / "var").exists()


def test_serve_prints_real_urls_and_the_data_folder_and_answers_there(tmp_path):
    import select
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _plain_env(tmp_path, data_dir=str(tmp_path / "data"), port=str(port))
    assert _run(["migrate"], tmp_path, env).returncode == 0
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines, deadline = [], time.monotonic() + 60
        while not any("Attempt limits" in line for line in lines):
            ready, _, _ = select.select([server.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = server.stdout.readline() if ready else ""
            assert line, "no banner: " + "".join(lines)
            lines.append(line)
        text = "".join(lines)
        assert f"Dashboard:      http://127.0.0.1:{port}/dashboard" in text
        assert f"API docs:       http://127.0.0.1:{port}/schema/swagger" in text
        assert f"Data folder:    {tmp_path / 'data'}" in text
        for _ in range(100):
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_several_workers_without_a_shared_store_are_refused_with_a_reason(tmp_path):
    answer = _run(["serve", "--workers", "2"], tmp_path, _plain_env(tmp_path, data_dir=str(tmp_path / "data")))
    assert answer.returncode == 2
    assert "FOLLICLE_REDIS_URL" in answer.stderr
