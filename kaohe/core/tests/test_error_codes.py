"""The error codes keep their convention: `<domain>.<member name in lower case>`,
each domain's in its own errors.py, no value used twice."""

from __future__ import annotations

import importlib
import pkgutil

import kaohe
from kaohe.core.errors import ErrorCode


def _domains() -> dict[str, type[ErrorCode]]:
    found: dict[str, type[ErrorCode]] = {}
    for module in pkgutil.iter_modules(kaohe.__path__):
        if not module.ispkg:
            continue
        try:
            errors = importlib.import_module(f"kaohe.{module.name}.errors")
        except ModuleNotFoundError:
            continue
        for value in vars(errors).values():
            mine = isinstance(value, type) and value.__module__ == errors.__name__
            if mine and issubclass(value, ErrorCode) and list(value):
                found[module.name] = value
    return found


def test_every_domain_names_its_codes_by_the_convention() -> None:
    domains = _domains()
    assert {"core", "worklogs", "reviews", "schemes", "scoring", "org"} <= set(domains)
    seen: set[str] = set()
    for domain, enum in domains.items():
        for member in enum:
            assert member.value == f"{domain}.{member.name.lower()}", member
            assert member.value not in seen, member
            seen.add(member.value)
