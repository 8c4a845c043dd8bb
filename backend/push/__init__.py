"""Push delivery: one `PushProvider` interface with FCM (Android), APNs (iOS) and outbox-only providers.

Messages say nothing about health: generic text by reminder kind, and opaque ids. See README.md.
"""

from backend.push.apns import ApnsProvider
from backend.push.apns_auth import ApnsProviderTokens
from backend.push.factory import build_push_providers
from backend.push.fcm import FcmProvider
from backend.push.google_auth import ServiceAccount
from backend.push.message import PushMessage, PushPlatform, validate_device_token
from backend.push.outbox_only import OutboxOnlyProvider
from backend.push.outcome import DeliveryStatus, PushOutcome
from backend.push.provider import PushProvider

__all__ = [
    "ApnsProvider",
    "ApnsProviderTokens",
    "DeliveryStatus",
    "FcmProvider",
    "OutboxOnlyProvider",
    "PushMessage",
    "PushOutcome",
    "PushPlatform",
    "PushProvider",
    "ServiceAccount",
    "build_push_providers",
    "validate_device_token",
]
