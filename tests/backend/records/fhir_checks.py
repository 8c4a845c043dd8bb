"""Checks a FHIR Bundle the way a receiving record system would: each resource re-validated by the
`fhir.resources` R4B models on its own, and every reference resolved inside the Bundle."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any


def walk_references(node: Any) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += walk_references(value)
    elif isinstance(node, list):
        for item in node:
            found += walk_references(item)
    return found


def validate_bundle(bundle: dict) -> Counter:
    """Validate the Bundle and each of its resources; the count of resources by type."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert len(urls) == len(bundle["entry"]), "two entries share a fullUrl"
    types = Counter()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
        getattr(module, kind).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        types[kind] += 1
        for reference in walk_references(resource):
            assert reference in urls, f"{kind}/{resource['id']} points outside the Bundle: {reference}"
    canonicals = {f"{e['resource']['url']}|{e['resource']['version']}" for e in bundle["entry"] if e["resource"]["resourceType"] == "Questionnaire"}
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "QuestionnaireResponse":
            assert entry["resource"]["questionnaire"] in canonicals
    return types
