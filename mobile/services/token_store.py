"""Where the phone keeps its device token: the key to the patient's photos, so never in a plain file
where the platform has a keystore.

- Android: the token is encrypted with an AES-256-GCM key that lives in the Android Keystore
  (hardware-backed where the phone has it; the key never leaves it) and only the ciphertext is
  written to the app's private storage. Reached through pyjnius.
- Desktop with the `keyring` package and a working backend (Secret Service, macOS Keychain,
  Windows Credential Locker): the token is kept there.
- Otherwise (a desktop without a keyring, as on the test machines): a JSON file readable by its
  owner only (0600, in a 0700 folder). This is a fallback, not a secret store: anyone who can read
  the user's files can read it. `describe()` says which store is in use.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

KEYSTORE_ALIAS = "follicle-device-token"
KEYRING_SERVICE = "follicle"
KEYRING_USER = "device"


@dataclass(frozen=True)
class StoredDevice:
    """What the phone remembers after enrolling: which server, and its token there."""

    server_url: str
    device_token: str
    device_id: str
    patient_name: str = ""


class TokenStore(Protocol):
    def load(self) -> StoredDevice | None: ...

    def save(self, device: StoredDevice) -> None: ...

    def clear(self) -> None: ...

    def describe(self) -> str: ...


def _encode(device: StoredDevice) -> bytes:
    return json.dumps(asdict(device)).encode()


def _decode(raw: bytes | str | None) -> StoredDevice | None:
    if not raw:
        return None
    try:
        return StoredDevice(**json.loads(raw))
    except (ValueError, TypeError):
        return None  # unreadable: the patient enrols again rather than the app crashing


class PrivateFileTokenStore:
    """Desktop fallback: a file only its owner can read or write."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return "a file only your user account can read (0600); this computer has no keystore"

    def load(self) -> StoredDevice | None:
        try:
            return _decode(self.path.read_bytes())
        except FileNotFoundError:
            return None

    def save(self, device: StoredDevice) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        temporary = self.path.with_suffix(".tmp")
        # created 0600 from the start: never a moment where the token is readable by others
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_encode(device))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class KeyringTokenStore:
    """Desktop with a real keyring backend."""

    def __init__(self, keyring_module) -> None:
        self._keyring = keyring_module

    def describe(self) -> str:
        return f"system keyring ({type(self._keyring.get_keyring()).__name__})"

    def load(self) -> StoredDevice | None:
        return _decode(self._keyring.get_password(KEYRING_SERVICE, KEYRING_USER))

    def save(self, device: StoredDevice) -> None:
        self._keyring.set_password(KEYRING_SERVICE, KEYRING_USER, _encode(device).decode())

    def clear(self) -> None:
        try:
            self._keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
        except self._keyring.errors.PasswordDeleteError:
            pass


class AndroidKeystoreTokenStore:
    """Android: AES-GCM with a key held by the Android Keystore; the ciphertext in private storage."""

    def __init__(self, path: Path) -> None:
        from jnius import autoclass  # only on Android builds

        self.path = path
        self._autoclass = autoclass
        self._key = self._key_in_keystore()

    def describe(self) -> str:
        return "Android Keystore (AES-256-GCM key, ciphertext in app-private storage)"

    def _key_in_keystore(self):
        KeyStore = self._autoclass("java.security.KeyStore")
        store = KeyStore.getInstance("AndroidKeyStore")
        store.load(None)
        if store.containsAlias(KEYSTORE_ALIAS):
            return store.getKey(KEYSTORE_ALIAS, None)
        KeyGenerator = self._autoclass("javax.crypto.KeyGenerator")
        Builder = self._autoclass("android.security.keystore.KeyGenParameterSpec$Builder")
        Properties = self._autoclass("android.security.keystore.KeyProperties")
        spec = (
            Builder(KEYSTORE_ALIAS, Properties.PURPOSE_ENCRYPT | Properties.PURPOSE_DECRYPT)
            .setBlockModes([Properties.BLOCK_MODE_GCM])
            .setEncryptionPaddings([Properties.ENCRYPTION_PADDING_NONE])
            .setKeySize(256)
            .build()
        )
        generator = KeyGenerator.getInstance(Properties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        generator.init(spec)
        return generator.generateKey()

    def _cipher(self):
        return self._autoclass("javax.crypto.Cipher").getInstance("AES/GCM/NoPadding")

    def load(self) -> StoredDevice | None:
        try:
            sealed = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        GCMParameterSpec = self._autoclass("javax.crypto.spec.GCMParameterSpec")
        cipher = self._cipher()
        cipher.init(2, self._key, GCMParameterSpec(128, base64.b64decode(sealed["iv"])))  # 2: DECRYPT_MODE
        plain = bytes(cipher.doFinal(base64.b64decode(sealed["data"])))
        return _decode(plain)

    def save(self, device: StoredDevice) -> None:
        cipher = self._cipher()
        cipher.init(1, self._key)  # 1: ENCRYPT_MODE; the keystore picks a fresh IV
        data = bytes(cipher.doFinal(_encode(device)))
        sealed = {"iv": base64.b64encode(bytes(cipher.getIV())).decode(), "data": base64.b64encode(data).decode()}
        self._write(sealed)

    def _write(self, sealed: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(sealed, handle)
        os.replace(self.path.with_suffix(".tmp"), self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def token_store_for(data_dir: Path, *, platform: str) -> TokenStore:
    """The safest store this platform offers (see the module docstring)."""
    if platform == "android":
        return AndroidKeystoreTokenStore(data_dir / "device.sealed")
    keyring = _usable_keyring()
    if keyring is not None:
        return KeyringTokenStore(keyring)
    return PrivateFileTokenStore(data_dir / "private" / "device.json")


def _usable_keyring():
    if os.environ.get("FOLLICLE_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, (fail.Keyring, null.Keyring)) or getattr(backend, "priority", 0) <= 0:
        return None
    return keyring
