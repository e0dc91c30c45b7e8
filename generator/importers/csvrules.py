"""The AWS CloudFront Redirector's CSV (aws-samples/amazon-cloudfront-redirector).

Columns: scheme, host, path, qs, regex, includeqs, to, sc, active, start, end, type, pt,
includepath, message (and action=delete). Semantics carried from the sample's function:
domain rules (`type=domain`, keyed by host) are tried first, then standard rules (the
exact `host + path`, query ignored, case-sensitive, trailing slash significant; a later
row for the same key replaces an earlier one), then regex rules in file order, searched
in `host + path` (`https://` stripped from the pattern) with `$1` references in `to`;
`pt=1` passes the request through untouched; `includeqs=1` keeps the request's query
(default: dropped); `qs` is appended to the target; `includepath=1` appends the path to
a domain rule's target; `type=rewrite` rewrites instead of redirecting; 4xx status codes
answer with `message` as the body; `active=0` rows are skipped; `start`/`end` date windows
cannot be evaluated by the generated function and are carried as always active.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from cfroutes.importers.common import Import, Out, dollar_refs, is_url, name_groups, parse_error, read_text, shown

COLUMNS = ("scheme", "host", "path", "qs", "regex", "includeqs", "to", "sc", "active", "start", "end", "type",
           "pt", "includepath", "message", "action")


def read(files: list[str], site: str | None = None) -> Import:
    imp = Import("csv", files, options={"trailing_slash": "strict"}, site=site)
    imp.notes += [
        "AWS CloudFront Redirector semantics: domain rules, then exact host+path rules, then regex rules;",
        "the query is dropped unless includeqs=1; date windows (start/end) are not evaluated.",
    ]
    domain: dict[str, Out] = {}
    standard: dict[tuple[str, str], Out] = {}
    regex: list[Out] = []
    for path in files:
        for line, row in _rows(path, read_text(path)):
            imp.count(path, line)
            raw = ",".join(row.get(c, "") for c in COLUMNS if c in row).rstrip(",")
            out = Out(path, line, {}, source_text=raw)
            if row.get("action") == "delete":
                out.reason = "action=delete removes a rule from the store; nothing to carry"
                imp.skipped.append(out)
                continue
            if row.get("active", "") not in ("", "1"):
                out.reason = f"active={row['active']}: the redirector ignores this rule"
                imp.skipped.append(out)
                continue
            if row.get("start") or row.get("end"):
                imp.warn(out, path, line, f"date window {row.get('start') or '-'} .. {row.get('end') or '-'} is not "
                         "evaluated: the rule is always active here (update the config when the window opens or closes)")
            if row.get("type") == "domain":
                _domain(imp, out, row)
                _replace(imp, domain, row.get("host", "").lower(), out, "host")
            elif row.get("regex"):
                _regex(imp, out, row)
                regex.append(out)
            else:
                _standard(imp, out, row)
                _replace(imp, standard, (row.get("host", "").lower(), row.get("path", "")), out, "host and path")
    # the redirector's order: domain rules, then exact rules, then regex rules
    imp.routes = list(domain.values()) + list(standard.values()) + regex
    return imp


def _replace(imp: Import, table: dict[Any, Out], key: Any, out: Out, what: str) -> None:
    """A later row with the same key replaces the earlier one (the store keeps the last write)."""
    old = table.get(key)
    if old is not None:
        old.reason = f"replaced by line {out.line} (same {what}; the redirector keeps the last row)"
        imp.warn(None, old.file, old.line, old.reason)
        imp.skipped.append(old)
        del table[key]
    table[key] = out


def _rows(path: str, text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header = [c.strip().lower() for c in row]
                twice = [c for i, c in enumerate(header) if c and c in header[:i]]
                if twice:
                    col = header.index(twice[0], header.index(twice[0]) + 1)
                    raise parse_error(path, line, len(",".join(row[:col])) + (1 if col else 0) + 1,
                                      f"column `{twice[0]}` is named twice in the header row",
                                      hint="each column may appear once; which one the redirector reads is not "
                                           "defined")
                unknown = [c for c in header if c and c not in COLUMNS]
                if "to" not in header:
                    raise parse_error(path, line, 1, "the header row has no `to` column",
                                      hint="expected columns: " + ",".join(COLUMNS[:15]))
                if unknown:
                    raise parse_error(path, line, 1, f"unknown column(s) {', '.join(unknown)}",
                                      hint="expected columns: " + ",".join(COLUMNS[:15]))
                continue
            if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
                raise parse_error(path, line, 1, f"{len(row)} fields, the header has {len(header)}")
            out.append((line, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}))
    except csv.Error as e:
        raise parse_error(path, reader.line_num or 1, 1, f"invalid CSV: {e}") from None
    if header is None:
        raise parse_error(path, 1, 1, "empty CSV: expected a header row (scheme,host,path,...,to,sc,...)")
    return out


def _status(imp: Import, out: Out, row: dict[str, str]) -> int | None:
    sc = row.get("sc", "")
    if not sc:
        imp.warn(out, out.file, out.line, "no status code (sc): the redirector would answer without one; carried as 301")
        return 301
    if not re.fullmatch(r"[0-9]{1,3}", sc):
        imp.fail(out, f"status code {shown(sc)} is not a number of at most 3 digits")
        return None
    return int(sc)


def _action(imp: Import, out: Out, row: dict[str, str], to: str, fields: dict[str, Any]) -> bool:
    """Fill in the action for target template `to`; False when the rule cannot be carried."""
    if row.get("pt") == "1":
        fields["rewrite"] = "{path}"
        out.notes.append("pt=1: passes the request through untouched")
        return True
    if row.get("type") == "rewrite":
        if is_url(to):
            imp.fail(out, "type=rewrite with a full URL: the redirector would set the URI to a URL")
            return False
        if row.get("qs"):
            to += ("&" if "?" in to else "?") + row["qs"]
        fields["rewrite"] = to
        return True
    sc = _status(imp, out, row)
    if sc is None:
        return False
    if 400 <= sc <= 499:
        fields["respond"] = {"status": sc} | ({"body": row["message"]} if row.get("message") else {})
        return True
    if sc not in (301, 302, 303, 307, 308):
        imp.fail(out, f"status code {sc} is neither a redirect nor a 4xx answer")
        return False
    if sc not in (301, 302):
        imp.warn(out, out.file, out.line, f"status {sc}: the redirector sets `location` only for 301 and 302; "
                 "carried as a redirect with a location")
    if not to:
        imp.fail(out, "no target (to)")
        return False
    if re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/", to):
        imp.warn(out, out.file, out.line, f"target {to!r} has a host but no scheme: browsers would resolve it as a "
                 "relative path; written as https://")
        to = "https://" + to
    if row.get("qs"):
        to += ("&" if "?" in to else "?") + row["qs"]
    drop = row.get("includeqs") != "1"
    fields["redirect"] = {"to": to} | ({"status": sc} if sc != 301 else {}) | ({"query": "drop"} if drop else {})
    return True


def _domain(imp: Import, out: Out, row: dict[str, str]) -> None:
    host = row.get("host", "")
    if not host:
        imp.fail(out, "a domain rule needs a host")
        return
    fields: dict[str, Any] = {"host": host.lower(), "path": "/*"}
    to = row.get("to", "")
    if row.get("includepath") == "1":
        # `to + uri` (or `to + uri[1:]` when `to` ends in '/'): the same as `to/` + the splat of /*
        to = (to if to.endswith("/") else to + "/") + "{splat}"
    if _action(imp, out, row, to, fields):
        out.fields = fields


def _standard(imp: Import, out: Out, row: dict[str, str]) -> None:
    path = row.get("path", "")
    if not path.startswith("/"):
        imp.fail(out, f"path {path!r} does not start with '/'")
        return
    fields: dict[str, Any] = {}
    if row.get("host"):
        fields["host"] = row["host"].lower()
    else:
        imp.warn(out, out.file, out.line, "no host: the redirector keys standard rules by host + path and would never "
                 "match this row; carried for every host")
    if re.search(r"[:*]", path):
        fields["regex"] = "^" + re.escape(path).replace("\\/", "/") + "$"
    else:
        fields["path"] = path
    if _action(imp, out, row, row.get("to", ""), fields):
        out.fields = fields


def _regex(imp: Import, out: Out, row: dict[str, str]) -> None:
    rx = row["regex"].replace("https://", "")
    anchored = rx.startswith("^")
    body = rx[1:] if anchored else rx
    m = re.match(r"^((?:[A-Za-z0-9-]|\\\.|\.)+)(/.*)$", body)
    fields: dict[str, Any] = {}
    if m:
        fields["host"] = m.group(1).replace("\\.", ".").lower()
        path_rx = m.group(2)
    elif body.startswith("/"):
        path_rx = body
        imp.warn(out, out.file, out.line, "the pattern names no host: the redirector matches it in host + path, so "
                 "text before the match (the host) stays in its location; carried as a path pattern")
    else:
        imp.fail(out, f"regex {row['regex']!r}: its host part is a pattern; cfroutes matches hosts with host patterns")
        return
    path_rx, names = name_groups(path_rx)
    to = row.get("to", "").replace("\\", "$")
    if "$L" in to or "$U" in to:
        imp.warn(out, out.file, out.line, "\\L/\\U case conversion is not supported by JavaScript's replace (nor here); "
                 "dropped")
        to = to.replace("$L", "").replace("$U", "").replace("$E", "")
    to, bad = dollar_refs(to, names)
    if bad:
        imp.fail(out, f"target references {', '.join(bad)}, which the regex does not capture")
        return
    ends = path_rx.endswith("$") and not path_rx.endswith("\\$")
    if not ends and row.get("pt") != "1":
        # String#replace keeps the text after the match
        path_rx = f"(?:{path_rx})(?<rest_>.*)$"
        to += "{rest_}"
    fields["regex"] = "^" + path_rx if not path_rx.startswith("^") else path_rx
    if _action(imp, out, row, to, fields):
        out.fields = fields
