"""The stable codes of cfroutes' diagnostics: the one table (docs/diagnostics.md is made from it).

A code names a kind of problem, like ruff's rule codes: the message says what is wrong at
this place, the code says which rule it broke, and stays the same across releases (a code is
never reused for another meaning). Families:

- CFR0xx  reading YAML and user files
- CFR1xx  the structure and values of routes.yaml
- CFR2xx  paths, hosts, templates and regexes
- CFR3xx  lints over the routes (shadowed routes, redirect loops and chains)
- CFR4xx  CloudFront limits and the runtime profile of a built function
- CFR5xx  test cases
- CFR6xx  `cfroutes import`
- CFR7xx  AWS (`deploy`, `kvs`)
- CFR8xx  the command line and output files

`Diagnostic.code` may be left out (None): it then reads as `CFR000`, "not yet coded", so
code written before a code existed keeps working; new diagnostics should name one.
"""
from __future__ import annotations

import enum


class Code(str, enum.Enum):
    """A diagnostic code; the value is what is printed (`CFR101`)."""

    summary: str

    def __new__(cls, value: str, summary: str) -> Code:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.summary = summary
        return obj

    def __str__(self) -> str:
        return str.__str__(self)

    UNCODED = ("CFR000", "a diagnostic that has no code of its own yet")

    # reading YAML and user files
    YAML_SYNTAX = ("CFR001", "the file is not valid YAML")
    YAML_DUPLICATE_KEY = ("CFR002", "a mapping names the same key twice")
    YAML_TAG = ("CFR003", "an explicit YAML tag cfroutes does not read (only plain YAML types)")
    YAML_SCALAR = ("CFR004", "a tagged scalar that is not a valid value of its tag")
    YAML_KEY = ("CFR005", "a mapping key that is not a plain string")
    YAML_LIMIT = ("CFR006", "the document is over a bound: nodes, alias expansion or nesting depth")
    YAML_RECURSIVE = ("CFR007", "an alias or merge key that contains itself")
    YAML_MERGE = ("CFR008", "a merge key `<<:` whose value is not a mapping or a list of mappings")
    YAML_DOCUMENTS = ("CFR009", "a file with more than one YAML document")
    FILE_UNREADABLE = ("CFR010", "a file that is missing, not a regular file, or over its size cap")

    # routes.yaml: structure and values
    CONFIG_INVALID = ("CFR100", "an invalid value in routes.yaml (no more specific code)")
    UNKNOWN_KEY = ("CFR101", "a key the format does not know (often a typo: the hint names the closest)")
    WRONG_TYPE = ("CFR102", "a value of the wrong type (a mapping, list, string or integer was expected)")
    MISSING_KEY = ("CFR103", "a required key is missing")
    EMPTY_VALUE = ("CFR104", "a value that must not be empty")
    CONTROL_CHARACTER = ("CFR105", "a control character (CR, LF, ...) in a value that goes into a header or URL")
    OUT_OF_RANGE = ("CFR106", "a number outside its allowed range")
    NOT_A_CHOICE = ("CFR107", "a value that is not one of the allowed words")
    ACTIONS = ("CFR108", "a route without exactly one action (redirect, rewrite, respond, origin)")
    VERSION = ("CFR109", "`version:` is missing or not 1")
    RUNTIME_NEEDED = ("CFR110", "a feature the function's runtime or event does not offer (KVS and origin need 2.0)")
    NAME = ("CFR111", "a function, store or binding name that is invalid, taken twice or shadows a built-in")
    SEED = ("CFR112", "a KVS seed file or value that the store would refuse")
    UNSAFE_TARGET = ("CFR113", "a target or origin taken from the request (an open redirect, an origin anyone picks)")
    FILES = ("CFR115", "a `files:` folder or list that cannot be used, or a `file:` condition without `files:`")
    ERROR_PAGES = ("CFR125", "an invalid `error_pages:` entry (a status CloudFront cannot customize, a page that is "
                             "not a path of the distribution)")
    VIEWER_HEADER = ("CFR114", "a condition on a header that reaches the function only when forwarded")
    CONNECTION = ("CFR130", "an invalid route or setting of a connection-request (mTLS) function")
    CONNECTION_DEFAULT = ("CFR131", "a connection-request function whose last route is not a default: "
                                    "connections no route matches are denied")

    # paths, hosts, templates, regexes
    PATTERN = ("CFR200", "an invalid path or host pattern")
    TEMPLATE = ("CFR201", "a template that names an unbound value or has an invalid form")
    REGEX = ("CFR202", "a regex that is invalid, or that the edge's engine refuses or reads differently")
    REGEX_WARNING = ("CFR203", "a regex that works but is risky (catastrophic backtracking)")
    LITERAL_CHARACTER = ("CFR204", "a character written literally that another platform reads as syntax")
    TARGET = ("CFR205", "a redirect or rewrite target of the wrong shape")
    PATH_NEVER_SENT = ("CFR206", "a literal path no request carries (a '%' that starts no %XX escape, a '.' or '..' segment)")

    # lints
    UNREACHABLE_ROUTE = ("CFR301", "a route can never match: an earlier route answers every request it matches")
    REDIRECT_LOOP = ("CFR302", "a redirect that leads back to a URL the same function redirects again, forever")
    REDIRECT_CHAIN = ("CFR303", "a redirect whose target is redirected again (two hops where one would do)")
    CACHE_POLICY = ("CFR350", "an invalid `cache:` policy (unknown managed policy, key names, TTLs)")
    CACHE_KEY_ANSWER = ("CFR351", "a route's origin or forwarded query depends on a request part the cache key leaves out "
                                  "(one viewer's cached answer is served to another)")
    CACHE_KEY_HEADER = ("CFR352", "a header sent to the origin depends on a request part the cache key leaves out")

    # CloudFront limits and the runtime profile
    FUNCTION_SIZE = ("CFR401", "a built function over the 10,240-byte code size quota")
    PROFILE = ("CFR402", "emitted code outside its runtime profile (a cfroutes bug)")
    KVS_LIMIT = ("CFR403", "a KeyValueStore import file over a KeyValueStore limit")
    JS_PROFILE = ("CFR404", "a function source uses something its CloudFront runtime does not offer")
    NJS_LOAD = ("CFR405", "njs does not load a built function (`--engine njs|both`)")

    # test cases
    CASE_INVALID = ("CFR500", "an invalid test case (no more specific code)")
    CASE_FUNCTION = ("CFR501", "a case names no function, or one the config does not have")
    CASE_REQUEST = ("CFR502", "a case's request or event is missing or invalid")
    CASE_EXPECT = ("CFR503", "a case's `expect:` is missing, empty or contradicts itself")
    TEST_FAILED = ("CFR510", "a test case ran and its outcome differs from `expect:` (or the engines disagree)")

    # import
    IMPORT_WARNING = ("CFR601", "a source rule carried with a difference in behaviour (see the comment)")
    IMPORT_INVALID = ("CFR602", "a source file of `cfroutes import` that cannot be read")

    # AWS
    AWS = ("CFR701", "a request to AWS that cannot be made as given (region, store, key)")

    # command line and output
    ARGUMENT = ("CFR801", "an invalid command-line argument")
    OUTPUT = ("CFR802", "an output file or directory that cannot be written")
    LOG_FILE = ("CFR803", "an access log that cannot be read")
    EMULATE_INPUT = ("CFR804", "a function file or event of `emulate` that CloudFront would refuse")


def table() -> list[Code]:
    """Every code in order."""
    return sorted(Code, key=lambda c: c.value)


def markdown() -> str:
    """The code table of docs/diagnostics.md (a test keeps the file in sync)."""
    rows = ["| code | name | meaning |", "|---|---|---|"]
    rows += [f"| {c.value} | {c.name.lower().replace('_', '-')} | {c.summary} |" for c in table()]
    return "\n".join(rows) + "\n"
