"""Marketing consent (apart from care and research) and the consented before/after images made
under it. See README.md."""
