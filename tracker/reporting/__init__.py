"""Reporting: the report workflow (statuses and who moves them), checkpoints, evidence and where it is stored."""
