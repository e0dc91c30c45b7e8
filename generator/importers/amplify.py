"""AWS Amplify Hosting custom rules (the console's JSON, `aws amplify get-app` output, or a bare list).

Semantics carried (Amplify "Using redirects", "Redirects and rewrites example reference",
the CustomRule API): first match top to bottom; `<*>` binds the rest of the path, `<name>`
a segment, `?key=<name>` a query parameter; a `</regex/>` source is a regular expression;
a full-URL source matches by domain (case-blind); status 200 rewrites (a proxy when the
target is a full URL), 301/302 redirect (status defaults to 301); `condition` `<US>` is a
country; 404 and 404-200 apply only when no file matches, which a viewer-request function
cannot know: a rule for every path (`/<*>`) with a literal target is the distribution's custom
error response (`error_pages:`, exact where the origin answers 404 for a missing file); other
404 rules move to the end of the routes (the closest translation) with a warning.
"""
from __future__ import annotations

import re
from typing import Any

from cfroutes.importers.common import (
    FieldError,
    Import,
    Out,
    error_page,
    get_str,
    is_url,
    kind,
    parse_error,
    proxy_fields,
    read_text,
    shown,
    split_url,
    status_warning,
)
from cfroutes.importers.jsonpos import LinedDict, load
from cfroutes.importers.segments import path_source, template

_ANGLE = re.compile(r"<([A-Za-z_][A-Za-z0-9_-]*|\*)>")


def read(files: list[str], site: str | None = None) -> Import:
    imp = Import("amplify", files, options={"trailing_slash": "strict"}, site=site)
    imp.notes += [
        "Amplify semantics: first match wins; a trailing slash is significant (Amplify needs explicit rules);",
        "404 and 404-200 rules apply only when no file matches, so they are moved to the end.",
    ]
    for path in files:
        data = load(read_text(path), path)
        rules = _rules_of(data)
        if rules is None:
            raise parse_error(path, 1, 1, "expected a list of custom rules, or an object holding one (`customRules`, "
                              "`rules`, `app.customRules`, a CloudFormation AWS::Amplify::App's `CustomRules`, "
                              "Terraform JSON's aws_amplify_app `custom_rule`)")
        for r in rules:
            imp.count(path, r.line if isinstance(r, LinedDict) else 1)
            _rule(imp, path, _lower_keys(r))
    return imp


#: where the rules sit in the files people keep: the console's JSON editor (a bare list),
#: `aws amplify get-app` ({"app": {"customRules"}}), `update-app --custom-rules` input and
#: backups ({"appId", "region", "rules"} or {"customRules"}), CloudFormation (`CustomRules`),
#: Terraform JSON (`resource.aws_amplify_app.NAME.custom_rule`), Pulumi (`custom_rules`)
_WRAPPERS = ("customRules", "rules", "CustomRules", "custom_rules", "custom_rule")


def _rules_of(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return None
    for key in _WRAPPERS:
        if isinstance(data.get(key), list):
            return list(data[key])
    for key in ("app", "App", "Properties"):
        if isinstance(data.get(key), dict):
            found = _rules_of(data[key])
            if found is not None:
                return found
    tf = data.get("resource")
    if isinstance(tf, dict) and isinstance(tf.get("aws_amplify_app"), dict):  # Terraform JSON (*.tf.json)
        return [x for app in tf["aws_amplify_app"].values() if isinstance(app, dict)
                for x in (_rules_of(app) or [])]
    resources = data.get("Resources")
    if isinstance(resources, dict):  # a CloudFormation template: every AWS::Amplify::App's rules, in order
        apps = [r for r in resources.values() if isinstance(r, dict) and r.get("Type") == "AWS::Amplify::App"]
        found_any = [x for app in apps for x in (_rules_of(app.get("Properties")) or [])]
        if apps:
            return found_any
    return None


def _lower_keys(r: Any) -> Any:
    """CloudFormation spells the rule's keys `Source`, `Target`, `Status`, `Condition`."""
    if not isinstance(r, dict) or not any(k in r for k in ("Source", "Target", "Status", "Condition")):
        return r
    out = LinedDict({(k[0].lower() + k[1:] if k in ("Source", "Target", "Status", "Condition") else k): v
                     for k, v in r.items()})
    out.line = r.line if isinstance(r, LinedDict) else 1
    return out


def _names(s: str) -> str:
    """`<name>` -> `:name`, `<*>` -> `*` (the Netlify-style syntax segments.py reads)."""
    return _ANGLE.sub(lambda m: "*" if m.group(1) == "*" else ":" + m.group(1).replace("-", "_"), s)


def _rule(imp: Import, path: str, r: Any) -> None:
    line = r.line if isinstance(r, LinedDict) else 1
    summary = (f"{shown(r.get('source'))} -> {shown(r.get('target'))} {shown(r.get('status') or '301')}"
               + (f" {shown(r.get('condition'))}" if r.get("condition") else "")) if isinstance(r, dict) \
        else f"<{kind(r)}>"
    out = Out(path, line, {}, source_text=summary)
    imp.routes.append(out)
    if isinstance(r, dict):  # the source rule as written, for `--cases` (importers/amplify_cases.py)
        out.rule = {"kind": "amplify", "rule": r}
    try:
        if not isinstance(r, dict):
            raise FieldError(f"a custom rule must be an object, not {kind(r)}")
        source, target = get_str(r, "source", required=True), get_str(r, "target", required=True)
        status = r.get("status") or "301"
        if isinstance(status, int) and not isinstance(status, bool) and 0 < status < 1000:
            status = str(status)  # the console writes "301"; hand-written files have 301
        if not isinstance(status, str):
            raise FieldError(f"`status` must be a string such as \"301\", not {kind(status)}")
        cond = (get_str(r, "condition") or "").strip()
    except FieldError as e:
        imp.fail(out, str(e))
        return
    assert source is not None and target is not None
    fields: dict[str, Any] = {}
    query: dict[str, Any] = {}
    names: set[str] = set()
    splat_ref = "splat"
    if source.startswith("</") and source.endswith("/>"):
        fields["regex"] = source[2:-2]
    else:
        if is_url(source):
            _, host, rest = split_url(source)
            fields["host"] = host.lower()
            if rest in ("", "/"):
                # a domain rule: Amplify matches every path of the domain and appends it to the target
                source = "/<*>"
                if "<*>" not in target and "<" not in target:
                    target = target.rstrip("/") + "/<*>"
                    out.notes.append("a domain rule: the request's path is appended to the target, as Amplify does")
            else:
                source = rest
                if not rest.startswith("/<*>"):
                    imp.warn(out, path, line, "Amplify does not support a path in a domain rule's source (only "
                             "the domain, whose paths are appended to the target); carried as host + path")
        src_path, _, qs = source.partition("?")
        src_path = src_path.replace(" ", "%20")  # a request carries a space as %20 (docs/semantics.md §1.1)
        src = path_source(_names(src_path), trailing_optional=False)
        if src is None:
            imp.fail(out, f"source {shown(r['source'])} is not a path, URL or </regex/>")
            return
        fields.update(src.fields)
        names, splat_ref = set(src.names), src.splat_ref
        for pair in filter(None, qs.split("&")):
            k, _, v = pair.partition("=")
            m = _ANGLE.fullmatch(v)
            if m and m.group(1) != "*":
                name = m.group(1).replace("-", "_")
                names.add(name)
                query[k] = {"regex": f"^(?<{name}>.*)$"}
            else:
                query[k] = v if v else "*"
    tmpl, unknown = template(_names(target).replace("*", ":splat") if "<*>" in target else _names(target),
                             names, splat_ref)
    for u in unknown:
        imp.warn(out, path, line, f"{u} in the target is not bound by the source; kept as literal text")
    for k, c in list(query.items()):
        if isinstance(c, dict) and "{" + c["regex"][4:].split(">")[0] + "}" not in tmpl:
            query[k] = "*"
    if query:
        fields["query"] = query
    if cond:
        codes = re.findall(r"[A-Za-z]{2}", cond)
        if re.fullmatch(r"<\s*[A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*\s*>", cond):
            fields["country"] = [c.upper() for c in codes]
        else:
            imp.fail(out, f"condition {cond!r} is not a country code such as <US>")
            return
    if status in ("301", "302"):
        fields["redirect"] = tmpl if status == "301" else {"to": tmpl, "status": 302}
    elif status == "200":
        if is_url(tmpl):
            fields.update(proxy_fields(tmpl))
            imp.warn(out, path, line, f"reverse proxy to {split_url(tmpl)[1]}: carried as `origin: {{domain}}`; "
                     "the distribution's origin settings apply")
        else:
            fields["rewrite"] = tmpl
    elif status in ("404", "404-200"):
        if is_url(tmpl):
            imp.fail(out, f"status {status} with a full URL target cannot be carried")
            return
        out.last = True
        served = "with status 404" if status == "404" else "with status 200"
        # Amplify's "no file matched" page for every path is CloudFront's custom error response; with
        # --site a 404-200 rule is exact (and testable) as a `file: missing` rewrite, so only 404 goes there
        if fields == {"path": "/*"} and (status == "404" or imp.site is None) \
                and error_page(imp, out, 404, tmpl, 404 if status == "404" else 200):
            return
        if imp.site is not None:  # exactly Amplify's condition: no file matches
            fields["file"] = "missing"
            fields["rewrite"] = tmpl
            out.notes.append(f"applies only where no file of {imp.site} exists (--site); moved to the end")
            if status == "404":
                imp.warn(out, path, line, status_warning(404, tmpl))
            out.fields = fields
            return
        if src_splat_catch_all(fields) and "{" not in tmpl:
            # like Amplify's own SPA rule: leave requests for files (a dot in the last segment) alone
            prefix = fields.pop("path")[:-2]
            fields = {"regex": "^" + re.escape(prefix).replace("\\/", "/") + "(?:/(?:.*/)?[^./]*)?$"} | fields
            out.notes.append("limited to paths whose last segment has no '.', so requests for files still reach "
                             "the origin")
        fields["rewrite"] = tmpl
        imp.warn(out, path, line, f"status {status}: Amplify serves {tmpl} {served} only when no file matches; "
                 "moved to the end of the routes as a rewrite (a viewer-request function cannot see the origin's "
                 "files); a CloudFront custom error response (`error_pages:`) serves one page for every path of "
                 "the distribution, so only a rule for every path (`/<*>`) becomes one")
    else:
        imp.fail(out, f"status {status!r} is not 200, 301, 302, 404 or 404-200")
        return
    out.fields = fields


def src_splat_catch_all(fields: dict[str, Any]) -> bool:
    p = fields.get("path")
    return isinstance(p, str) and p.endswith("/*") and ":" not in p
