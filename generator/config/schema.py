"""The routes.yaml and test-case formats as one declarative table, and their JSON Schema.

Every mapping of the format is an `Obj` here: its keys (in the order the docs list them),
what each value may be, and which keys are required. The validator reads its allowed
keys from these objects (validator.py, validate.py, validate_routes.py, testing/cases.py),
and `json_schema()` renders the same table as a JSON Schema (draft-07, what editors'
YAML language servers read), so the format is written down once.

The schema describes shape (keys, types, enumerations); the validator also checks what a
schema cannot (patterns compile, names are bound, open redirects, sizes).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cfroutes.config.model import JS1, JS2, METHODS, REDIRECT_STATUSES, VIEWER_REQUEST, VIEWER_RESPONSE
from cfroutes.platform.limits import NAME_CHARS

SCHEMA_ID = "https://cfroutes.dev/schema/routes.schema.json"
CASES_SCHEMA_ID = "https://cfroutes.dev/schema/cases.schema.json"
DRAFT = "http://json-schema.org/draft-07/schema#"


@dataclass(frozen=True)
class Obj:
    """A mapping of the format: its keys and the schema of each value."""

    title: str
    props: dict[str, Any]
    required: tuple[str, ...] = ()
    any_of_required: tuple[tuple[str, ...], ...] = ()  # at least one of these key sets
    extra: dict[str, Any] = field(default_factory=dict)  # more JSON Schema keywords

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.props)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "object", "title": self.title,
                               "properties": {k: _render(v) for k, v in self.props.items()},
                               "additionalProperties": False}
        if self.required:
            out["required"] = list(self.required)
        if self.any_of_required:
            out["anyOf"] = [{"required": list(keys)} for keys in self.any_of_required]
        out.update(self.extra)
        return out


def _render(v: Any) -> Any:
    if isinstance(v, Obj):
        return v.schema()
    if isinstance(v, dict):
        return {k: _render(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_render(x) for x in v]
    return v


def one_of(*alts: Any) -> dict[str, Any]:
    return {"oneOf": list(alts)}


# YAML 1.1 reads `NO`, `1.10` and `0755` as non-strings; the validator takes their text
TEXT = {"type": ["string", "number", "boolean"]}
STRING = {**TEXT, "minLength": 1}
PATH = {"type": "string", "pattern": "^/", "description": "/a/:name/* (literal segments, :name, a final *)"}
TEMPLATE = {"type": "string", "minLength": 1, "description": "a path or URL with {name} placeholders"}
NAMES = {"type": "array", "items": STRING}
REGEX_COND = Obj("regex condition", {"regex": STRING}, required=("regex",))
COND = one_of({**TEXT, "description": 'a value to equal, or "*" for present'},
              {"type": "null", "description": "absent"}, REGEX_COND)
CONDS = {"type": "object", "additionalProperties": COND}
HEADER_VALUES = {"type": "object", "additionalProperties": TEXT}
STATUS = {"type": "integer", "minimum": 100, "maximum": 599}

# ------------------------------------------------------------------ routes.yaml
MATCH = {
    "path": PATH,
    "regex": {"type": "string", "minLength": 1, "description": "a JavaScript regex searched in the URI"},
    "host": {"type": "string", "minLength": 1, "description": ":tenant.example.com, *.example.com"},
    "methods": {"type": "array", "minItems": 1,
                "items": {"enum": list(METHODS) + [m.lower() for m in METHODS]}},
    "query": CONDS,
    "headers": CONDS,
    "cookies": CONDS,
    "country": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
}
RESPONSE = Obj("response", {"status": {"type": "integer", "minimum": 200, "maximum": 599},
                            "body": {"type": ["string", "number", "boolean"]},
                            "content_type": STRING, "headers": HEADER_VALUES}, required=("status",))
REDIRECT = Obj("redirect", {"to": TEMPLATE, "status": {"enum": list(REDIRECT_STATUSES)},
                            "query": {"enum": ["keep", "drop"]}}, required=("to",))
REWRITE = Obj("rewrite", {"to": TEMPLATE, "query": {"enum": ["keep", "drop"]}}, required=("to",))
ORIGIN = Obj("origin", {"id": TEMPLATE, "domain": TEMPLATE, "path": TEMPLATE, "host_header": TEMPLATE})
LOOKUP = Obj("lookup", {"key": TEMPLATE, "format": {"enum": ["string", "json"]}, "as": STRING,
                        "missing": one_of({"const": "next"}, RESPONSE)}, required=("key", "as"))
ACTIONS = {
    "redirect": one_of(TEMPLATE, REDIRECT),
    "rewrite": one_of(TEMPLATE, REWRITE),
    "respond": RESPONSE,
    "origin": ORIGIN,
}
ROUTE = Obj("route", {
    "name": STRING, **MATCH, "lookup": LOOKUP, **ACTIONS,
    "set_headers": {"type": "object", "additionalProperties": TEXT},
    "remove_headers": NAMES,
    "allow_external": {"type": "boolean"},
}, any_of_required=tuple((a,) for a in ACTIONS))
RULE = Obj("header rule", {
    **MATCH, "set": {"type": "object", "additionalProperties": TEXT}, "remove": NAMES,
    "status": {"type": "array", "minItems": 1, "items": STATUS},
}, any_of_required=(("set",), ("remove",)))
OPTIONS = Obj("options", {
    "case": {"enum": ["sensitive", "insensitive"]},
    "trailing_slash": {"enum": ["ignore", "strict"]},
    "index": {"type": "string", "pattern": "^[A-Za-z0-9._~-]+$"},
    "spill": {"enum": ["auto", "never", "always"]},
})
KVS = Obj("kvs", {"name": {"type": "string", "pattern": f"^{NAME_CHARS}$"}, "seed": STRING},
          required=("name",))

# ------------------------------------------------------------------ test cases
VALUES = {"type": "object", "additionalProperties": one_of(TEXT, {"type": "array", "minItems": 1, "items": TEXT})}
EXPECT_VALUES = {"type": "object",
                 "additionalProperties": one_of(TEXT, {"type": "null"}, {"type": "array", "items": TEXT})}
CASE_RESPONSE = Obj("origin response", {"status": STATUS, "status_description": {"type": "string"},
                                        "headers": VALUES, "cookies": VALUES})
EXPECT_ORIGIN = Obj("expected origin", {"id": STRING, "domain": STRING, "path": STRING, "host_header": STRING})
EXPECT = Obj("expect", {
    "status": STATUS, "location": {"type": "string"}, "uri": PATH, "querystring": {"type": "string"},
    "headers": EXPECT_VALUES, "cookies": EXPECT_VALUES,
    "origin": one_of({"type": "null"}, EXPECT_ORIGIN),
    "body": {"type": "string"}, "error": {"type": "string"},
}, extra={"minProperties": 1})
CASE = Obj("test case", {
    "name": STRING, "function": STRING,
    "request": {"type": "string", "minLength": 1, "description": "GET https://host/path?q, or just a path"},
    "headers": VALUES, "cookies": VALUES, "viewer_ip": STRING,
    "kvs": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null", "object",
                                                                 "array"]}},
    "response": CASE_RESPONSE, "expect": EXPECT,
}, required=("request", "expect"))
CASES_FILE = Obj("case file", {"config": STRING, "function": STRING,
                               "tests": {"type": "array", "items": CASE}}, required=("tests",))

FUNCTION = Obj("function", {
    "event": {"enum": [VIEWER_REQUEST, VIEWER_RESPONSE]},
    "runtime": {"enum": [JS2, JS1]},
    "kvs": KVS,
    "options": OPTIONS,
    "routes": {"type": "array", "items": ROUTE},
    "headers": {"type": "array", "items": RULE},
    "tests": {"type": "array", "items": CASE},
}, required=("event",))
CONFIG = Obj("routes.yaml", {
    "version": {"const": 1},
    "functions": {"type": "object", "minProperties": 1,
                  "propertyNames": {"pattern": f"^{NAME_CHARS}$"},
                  "additionalProperties": FUNCTION},
}, required=("version", "functions"))


def json_schema(cases: bool = False) -> dict[str, Any]:
    """The JSON Schema of routes.yaml, or (cases=True) of a `*.cases.yaml` file."""
    if cases:
        body: dict[str, Any] = {"title": "cfroutes test cases",
                                "oneOf": [{"type": "array", "items": CASE.schema()}, CASES_FILE.schema()]}
        sid = CASES_SCHEMA_ID
    else:
        body = CONFIG.schema()
        body["title"] = "cfroutes routes.yaml"
        sid = SCHEMA_ID
    return {"$schema": DRAFT, "$id": sid, **body}


def render(cases: bool = False) -> str:
    return json.dumps(json_schema(cases), indent=2, ensure_ascii=False) + "\n"
