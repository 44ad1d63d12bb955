"""Helpers shared by the tests (importable because pytest's ``pythonpath`` includes ``tests``)."""
