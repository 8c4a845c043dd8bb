"""Backups a clinic can restore: `follicle backup DEST`, `follicle restore SRC`, scheduled backups.

- `manifest.py`: what a backup holds (the database copy, every object) with sizes and sha256,
  and the check of a backup folder against it (a damaged or partial backup is named as such);
- `database.py`: a consistent online copy of the database (SQLite's backup API; pg_dump on an
  exported snapshot for PostgreSQL) and its restore into an empty database;
- `service.py`: backup and restore of the database and the object store together, verified on
  both ends; `jobs.py`: the scheduled backup of the embedded default, with retention.
"""
