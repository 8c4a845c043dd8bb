"""Staff accounts run from the dashboard: invites and password links, roles, deactivation, and
two-factor sign-in (TOTP with recovery codes). See README.md."""
