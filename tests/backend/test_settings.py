from __future__ import annotations

import pytest

from backend.settings import Settings


def test_settings_come_from_the_prefixed_environment(tmp_path):
    settings = Settings.from_env({"FOLLICLE_PORT": "9001", "FOLLICLE_S3_PATH_STYLE": "yes", "PORT": "1"}, env_file=None)
    assert settings.port == 9001 and settings.s3_path_style is True


def test_dotenv_is_honoured_and_the_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text('# local overrides\nFOLLICLE_STORE="s3"\nexport FOLLICLE_S3_BUCKET=from-file\nFOLLICLE_PORT=7000\n')
    settings = Settings.from_env({"FOLLICLE_PORT": "8100"}, env_file=env_file)
    assert settings.store == "s3"
    assert settings.s3_bucket == "from-file"
    assert settings.port == 8100


def test_a_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="FOLLICLE_PORT"):
        Settings.from_env({"FOLLICLE_PORT": "eighty"}, env_file=None)


def test_only_the_port_set_gives_a_public_url_on_that_port():
    settings = Settings.from_env({"FOLLICLE_PORT": "8765"}, env_file=None)
    assert settings.public_url == "http://127.0.0.1:8765"
    assert settings.replace(port=9100).public_url == "http://127.0.0.1:9100"
    assert Settings.from_env({"FOLLICLE_HOST": "0.0.0.0", "FOLLICLE_PORT": "80"}, env_file=None).public_url == "http://127.0.0.1:80"


def test_a_public_url_that_is_set_is_kept():
    settings = Settings.from_env({"FOLLICLE_PORT": "8765", "FOLLICLE_PUBLIC_URL": "https://follicle.clinic.example/"}, env_file=None)
    assert settings.public_url == "https://follicle.clinic.example"
    assert settings.replace(port=9100).public_url == "https://follicle.clinic.example"


def test_the_data_folder_holds_the_database_and_photos_and_does_not_follow_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = Settings.from_env({}, env_file=None)
    assert default.data_dir == str(tmp_path / "xdg" / "follicle")
    assert default.database_url == f"sqlite://{tmp_path}/xdg/follicle/follicle.sqlite3"
    assert default.local_store_path == str(tmp_path / "xdg" / "follicle" / "objects")
    chosen = Settings.from_env({"FOLLICLE_DATA_DIR": str(tmp_path / "clinic")}, env_file=None)
    assert chosen.database_url == f"sqlite://{tmp_path}/clinic/follicle.sqlite3"
    # a relative path given on purpose is made absolute once, so it never moves afterwards
    relative = Settings.from_env({"FOLLICLE_DATABASE_URL": "sqlite://db/x.sqlite3"}, env_file=None)
    assert relative.database_url == f"sqlite://{tmp_path}/db/x.sqlite3"


async def test_invite_links_and_upload_urls_follow_the_port(database_url, tmp_path):
    import httpx

    from backend.app import create_app
    from tests.backend.world import build_world
    from tests.conftest import running

    settings = Settings(database_url=database_url, local_store_path=str(tmp_path / "objects"), port=8765, secret_key="k")
    app = create_app(settings)
    async with running(app):
        world = await build_world()
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as http:
            invite = await http.post(f"/patients/{world.ids['patient_a']}/invites", headers=world.headers("staff_x"))
            from tests.backend.photos.matrix import slot_body

            slot = await http.post("/me/photos/slots", json=slot_body(), headers=world.headers("patient_a"))
    assert invite.json()["enrol_url"].endswith("server=http://127.0.0.1:8765")
    assert invite.json()["qr_png_url"].startswith("http://127.0.0.1:8765/")
    assert slot.json()["upload"]["url"].startswith("http://127.0.0.1:8765/store/objects/")
