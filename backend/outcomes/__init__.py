"""Outcomes across the clinic's research-consented patients, by treatment arm. See README.md."""
