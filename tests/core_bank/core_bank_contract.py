"""Checking real responses of the core bank against the OpenAPI document it serves.

`ContractCheck(document).check(response)` fails (AssertionError) when:
- the status is not documented for the operation (an unknown path must be 404 not_found, a
  method a path lacks 405 method_not_allowed);
- the body does not validate against the documented schema (JSON Schema, with OpenAPI 3.0's
  `nullable`; times must carry an offset), or a body is there that is not documented;
- an error's code is not among the operation's `x-error-codes` for that status;
- a header is missing: WWW-Authenticate with 401 unauthorized;
- a request the bank accepted (2xx) does not validate against the documented request body.
It records every (operationId, status, code) it has seen, for coverage checks.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from typing import Any, Optional
from urllib.parse import urlsplit

import requests
from jsonschema import Draft7Validator, FormatChecker, RefResolver

JSON = "application/json"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


def json_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.0 document with its schemas in plain JSON Schema (`nullable` becomes a null type)."""

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        converted = {key: convert(value) for key, value in node.items()}
        if converted.pop("nullable", False):
            if "type" in converted:
                converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
            if "allOf" in converted and "type" not in converted:  # a nullable object: {"allOf": [{"$ref"}]}
                converted = {"anyOf": [{"type": "null"}, converted]}
        return converted

    return convert(copy.deepcopy(document))


def _is_time_with_offset(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value).utcoffset() is not None


def _is_day(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)) and date.fromisoformat(value) is not None


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_is_time_with_offset)
FORMATS.checks("date", raises=ValueError)(_is_day)


class ContractCheck:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = json_schema(document)
        Draft7Validator.check_schema({"components": self.document["components"]})
        self._resolver = RefResolver.from_schema(self.document)
        self._paths = [
            (re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"), item)
            for path, item in self.document["paths"].items()
        ]
        self.seen: set[tuple[str, int, Optional[str]]] = set()

    def validate(self, instance: Any, schema: dict[str, Any], what: str) -> None:
        validator = Draft7Validator(schema, resolver=self._resolver, format_checker=FORMATS)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            details = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
            raise AssertionError(f"{what} does not follow /openapi.json: {details}\n{json.dumps(instance)[:2000]}")

    def unresolved_references(self) -> list[str]:
        """Every $ref of the document that points nowhere."""
        references: list[str] = []

        def collect(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    references.append(node["$ref"])
                for value in node.values():
                    collect(value)
            elif isinstance(node, list):
                for value in node:
                    collect(value)

        collect(self.document)
        unresolved = []
        for reference in references:
            try:
                self._resolver.resolve(reference)
            except Exception:
                unresolved.append(reference)
        return unresolved

    def operation(self, method: str, path: str) -> tuple[Optional[dict[str, Any]], bool]:
        """(the operation, whether the path exists at all)."""
        for pattern, item in self._paths:
            if pattern.match(path):
                return item.get(method.lower()), True
        return None, False

    def check(self, response: requests.Response) -> None:
        request = response.request
        path = urlsplit(request.url).path
        operation, path_exists = self.operation(request.method, path)
        where = f"{request.method} {path} -> {response.status_code}"
        if operation is None:
            expected = (405, "method_not_allowed") if path_exists else (404, "not_found")
            assert response.status_code == expected[0], f"{where}: expected {expected[0]}"
            self._check_error(response, ERROR_SCHEMA, [expected[1]], where)
            self.seen.add((f"{request.method} {path}", response.status_code, expected[1]))
            return

        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{where}: status not documented for {operation['operationId']}"
        for header in response.headers:
            if header.lower() == "idempotent-replayed":
                assert "Idempotent-Replayed" in documented.get("headers", {}), f"{where}: undocumented {header}"
        code = None
        content = documented.get("content", {}).get(JSON)
        if content is None:
            assert response.content == b"", f"{where}: a body where none is documented"
        elif response.status_code >= 400:
            code = self._check_error(response, content["schema"], documented.get("x-error-codes", []), where)
            if code == "unauthorized":
                assert "WWW-Authenticate" in documented.get("headers", {}), f"{where}: WWW-Authenticate not documented"
                assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), f"{where}: no WWW-Authenticate"
        else:
            assert response.headers.get("content-type", "").startswith(JSON), f"{where}: not JSON"
            self.validate(response.json(), content["schema"], f"{where}: the response")
        if 200 <= response.status_code < 300 and "requestBody" in operation:
            sent = json.loads(request.body) if request.body else None
            schema = operation["requestBody"]["content"][JSON]["schema"]
            self.validate(sent, schema, f"{where}: the request the bank accepted")
        self.seen.add((operation["operationId"], response.status_code, code))

    def _check_error(self, response: requests.Response, schema: dict[str, Any], codes: list[str], where: str) -> str:
        assert response.headers.get("content-type", "").startswith(JSON), f"{where}: not JSON"
        body = response.json()
        self.validate(body, schema, f"{where}: the error")
        code = body["error"]["code"]
        assert code in codes, f"{where}: error code {code} not documented (documented: {', '.join(codes)})"
        return code

