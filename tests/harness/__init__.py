"""Harnesses the app test folders share: tenant isolation (isolation.py) and races (races.py)."""
