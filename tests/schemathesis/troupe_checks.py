"""Schemathesis checks of our own (SCHEMATHESIS_HOOKS=troupe_checks)."""

import json

import schemathesis


@schemathesis.check
def problem_json(ctx, response, case):
    """Every error is an RFC 9457 problem document with the SPEC §0 members."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type == "application/problem+json", (
        f"{response.status_code} answered with content-type {content_type!r}"
    )
    document = json.loads(response.content)
    for member in ("type", "title", "status", "detail", "code"):
        assert member in document, f"problem document without {member!r}: {document}"
    assert document["status"] == response.status_code, document
    return None
