"""Attacks on kaohe replayed as tests: each one failed before its fix (issue 12)."""
