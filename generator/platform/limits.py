"""CloudFront's numeric limits and character rules, written once (from the CloudFront Developer Guide: quotas, and the functions' runtime and event pages).

Read by the compiler (size, KVS limits), the config loader and test-case parser (seeds,
KVS keys), the emulator (what a function may return), the KVS tools and the report.
"""
from __future__ import annotations

import re

# ------------------------------------------------------------------ function
#: code size quota of one function, in UTF-8 bytes of the source ("10 KB, not adjustable")
FUNCTION_SIZE_MAX = 10_240
#: bytes of the event object TestFunction accepts (`cfroutes test --remote` skips a bigger case);
#: not the cap on an `--event` file (safeio.EVENT_FILE_MAX)
TEST_FUNCTION_EVENT_MAX = 40_960

# ------------------------------------------------------------------ KeyValueStore
KVS_KEY_MAX = 512                 # bytes of one key (the API model would allow 1,024 characters)
KVS_VALUE_MAX = 1024              # bytes of one value
KVS_STORE_MAX = 5 * 1024 * 1024   # bytes of one store (and of its import file)
UPDATE_KEYS_MAX_KEYS = 50         # puts + deletes in one UpdateKeys call
UPDATE_KEYS_MAX_BYTES = 3 * 1024 * 1024  # payload of one UpdateKeys call

# ------------------------------------------------------------------ URL
#: The reference states the one number twice, with two units, for two different objects:
#: - a viewer's request: "URL: at most 8,192 bytes" (DG/cloudfront-limits) - counted in UTF-8
#:   bytes of path plus query by the test-case parser (testing/events.py), which describes
#:   what a viewer sends;
#: - a function's returned request: "URI plus query must be under 8,192 characters" - counted
#:   in characters (JS string length) by the emulator's output check (emulator/validate.py),
#:   which checks what the function built.
URL_MAX = 8192

# ------------------------------------------------------------------ characters
#: C0 control characters and DEL, as the body of a regex character class; the same text is
#: valid in Python's `re` and in JavaScript (config/patterns.DATA_BAD emits it)
CONTROL = r"\0-\x1f\x7f"
#: what a query string the function builds may not contain: controls, space and '#'
QUERY_BAD = r"\0- \x7f#"
#: what a Location header (redirect target) may not contain: controls and space
LOCATION_BAD = r"\0- \x7f"

CONTROL_RE = re.compile(f"[{CONTROL}]")
QUERY_BAD_RE = re.compile(f"[{QUERY_BAD}]")
#: in a header or cookie value a horizontal tab is allowed (RFC 9110 field-value), other controls not
VALUE_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: in multi-line text of routes.yaml (response bodies) tab and LF are allowed, other controls not
TEXT_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# ------------------------------------------------------------------ names and runtime
#: function and KeyValueStore names: 1-64 characters of A-Z a-z 0-9 _ -
NAME_CHARS = r"[A-Za-z0-9_-]{1,64}"
#: a domain name (origin domainName, origin hostHeader): at most 253 characters
DOMAIN_NAME_MAX = 253
MEMORY_MAX = 2 * 1024 * 1024      # bytes a function may use
LOG_MAX = 10 * 1024               # bytes of console output CloudFront keeps per invocation
