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
