"""The device token on the desktop fallback: owner-only, readable back, gone on sign-out."""

from __future__ import annotations

import stat

from mobile.services.token_store import PrivateFileTokenStore, StoredDevice, token_store_for


def test_the_token_file_is_readable_by_its_owner_only(tmp_path):
    store = PrivateFileTokenStore(tmp_path / "private" / "device.json")
    device = StoredDevice(server_url="http://127.0.0.1:8000", device_token="fdv_secret", device_id="d1", patient_name="Alex")
    store.save(device)
    assert store.load() == device
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    store.clear()
    assert store.load() is None


def test_an_unreadable_token_file_means_enrol_again_not_a_crash(tmp_path):
    store = PrivateFileTokenStore(tmp_path / "device.json")
    store.path.write_text("{not json")
    assert store.load() is None


def test_a_desktop_without_a_keyring_says_it_uses_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLICLE_NO_KEYRING", "1")
    store = token_store_for(tmp_path, platform="desktop")
    assert isinstance(store, PrivateFileTokenStore)
    assert "0600" in store.describe() and "no keystore" in store.describe()
