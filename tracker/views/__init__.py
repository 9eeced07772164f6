"""Blueprints, one per area."""
