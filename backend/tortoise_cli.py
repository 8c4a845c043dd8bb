"""Entry point for Tortoise's own migration CLI only (`make migrations`):
`python -m tortoise -c backend.tortoise_cli.TORTOISE_ORM makemigrations`.
The application never imports this module; it builds its config in `create_app`.
"""

from backend.db import tortoise_config
from backend.settings import Settings

TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)
