"""Photo tests run against S3 (moto's server on loopback)."""

from tests.backend.photos.fixtures import (  # noqa: F401 - fixtures
    jobs,
    moto_endpoint,
    phone_a,
    phone_b,
    s3,
    settings,
    store_http,
    world,
)
