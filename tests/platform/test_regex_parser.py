"""The one JavaScript regex parser (platform/regex.py) and the tasks that walk its tree:
ES5 renumbering (config.patterns.convert_regex), naming groups for importers
(importers.common.name_groups), the edge checks (platform.regexcheck) and the lint's example
strings (compiler.lint.regex_examples). They must agree on every construct, `\\k<name>` first;
QuickJS (through the reference model) is the judge of what a pattern means."""
from __future__ import annotations

import pytest
from cfroutes import reference
from cfroutes.compiler.lint import regex_examples
from cfroutes.config.patterns import convert_regex
from cfroutes.importers.common import name_groups
from cfroutes.platform import regex
from cfroutes.platform.regexcheck import edge_problems, redos_problems, regex_error

# pattern, a string it matches; each uses named groups, \k<name>, classes holding "]", escapes
# or lookarounds, and each is valid JavaScript the edge accepts
PATTERNS = [
    ("^/(?<year>\\d{4})/(?<slug>[a-z-]+)$", "/2024/a-b"),
    ("^/p/(?<id>[0-9]+)-\\k<id>$", "/p/12-12"),
    ("^/\\k<a>(?<a>x)$", "/x"),                              # a forward reference matches ""
    ("^/(?<a>x)(y)\\k<a>\\2$", "/xyxy"),
    ("^/([\\]a]+)(?<n>[^\\]]*)$", "/]a]bc"),                  # classes with "]"
    ("^/[(](?<n>\\))[?<x>]$", "/()x"),                       # parens in classes and escaped are not groups
    ("^/(?=(?<look>a))\\k<look>(b)$", "/ab"),                # a group inside a lookahead counts
    ("^/(?!x)(?<w>\\w+)\\.html$", "/a_1.html"),
    ("^/\\x41\\u00e9\\cJ\\t[\\n]\\/(?:\\.)$", "/Aé\n\t\n/."),
    ("^/(?:(a)|(b))\\1\\2$", "/aa"),                         # a group that took no part matches ""
    ("^/(?<a>x)\\\\k<a>$", "/x\\k<a>"),                      # an escaped backslash, then the letters
]


@pytest.mark.parametrize("pattern, text", PATTERNS)
def test_every_task_agrees_with_quickjs(pattern: str, text: str) -> None:
    assert regex_error(pattern) is None and edge_problems(pattern) == [] and redos_problems(pattern) == []
    want = reference.regex_exec(pattern, "", text)
    assert want is not None, "the case must match"
    rx = regex.parse(pattern)
    # group counting: what QuickJS counts (an empty alternative makes every pattern match "")
    assert len(rx.groups) == len(reference.regex_exec(pattern + "|", "", "") or ()) - 1
    # ES5: same groups, same match, no named-group syntax left
    conv, errs = convert_regex(pattern)
    assert errs == [] and conv is not None
    assert "(?<" not in conv.js_source.replace("(?<=", "").replace("(?<!", "") or "[" in pattern
    assert "\\k<" not in conv.js_source or "\\\\k<" in pattern
    assert reference.regex_exec(conv.js_source, "", text) == want
    assert list(conv.groups) == [(g.name, g.number) for g in rx.groups if g.name is not None]
    # importers: every group named, numbering kept, same match
    named, names = name_groups(pattern)
    assert len(names) == len(rx.groups)
    assert reference.regex_exec(named, "", text) == want
    # the lint's examples: each one matches (the reference engine decides), and there is one
    examples = regex_examples(conv.js_source, "")
    assert examples and all(reference.regex_exec(conv.js_source, "", e) is not None for e in examples)


def test_k_name_is_a_backreference_only_when_the_pattern_has_named_groups() -> None:
    with_names = regex.parse("(?<a>x)\\k<a>")
    refs = [n for n in regex.walk(with_names.tree) if isinstance(n, regex.Backref)]
    assert [(r.name, r.start, r.end) for r in refs] == [("a", 7, 12)]
    without = regex.parse("(x)\\k<a>")
    assert not [n for n in regex.walk(without.tree) if isinstance(n, regex.Backref)]
    assert any("\\k is an identity escape" in m for m, _ in without.refused)   # njs: non-existent subpattern
    # and every task reads it so: the ES5 source keeps no \k, the name must exist
    assert convert_regex("(?<a>x)\\k<a>")[0].js_source == "(x)(?:\\1)"  # type: ignore[union-attr]
    assert convert_regex("\\k<a>(?<a>x)")[0].js_source == "(?:\\1)(x)"  # type: ignore[union-attr]
    assert convert_regex("(?<a>x)\\k<b>") == (None, ["backreference to unknown group 'b'"])
    assert convert_regex("(x)\\k<b>") == (None, ["backreference to unknown group 'b'"])
    assert name_groups("(x)(?<a>y)\\k<a>") == ("(?<g1>x)(?<a>y)\\k<a>", ["g1", "a"])
    assert regex_examples("(x)(?:\\1)-(y)", "") == ["/xx-y"]


def test_k_inside_a_class_is_refused_and_left_alone() -> None:
    """QuickJS reads `[\\k<a>]` as the letters; njs refuses it. It is never turned into a group."""
    conv, errs = convert_regex("(?<a>x)[\\k<a>]")
    assert errs == [] and conv is not None and conv.js_source == "(x)[\\k<a>]"
    assert any("inside a class" in m for m, _ in edge_problems("(?<a>x)[\\k<a>]"))
    assert edge_problems("(?<a>x)\\k<a>") == []


def test_named_groups_are_numbered_with_the_unnamed_ones() -> None:
    conv, errs = convert_regex("(a)(?<b>b)(?:c)(?=(d))(?<e>e)")
    assert errs == [] and conv is not None
    assert conv.js_source == "(a)(b)(?:c)(?=(d))(e)" and conv.groups == (("b", 2), ("e", 4))
    assert name_groups("(a)(?<b>b)(?:c)(?=(d))(?<e>e)") == ("(?<g1>a)(?<b>b)(?:c)(?=(?<g3>d))(?<e>e)",
                                                            ["g1", "b", "g3", "e"])
    assert convert_regex("(?<a>x)(?<a>y)") == (None, ["group name 'a' used twice"])
    assert convert_regex("(?<1a>x)") == (None, ["bad group name '1a'"])
    assert convert_regex("(?<a") == (None, ["bad group name ''"])


def test_classes_and_escapes_hide_parentheses() -> None:
    for src in ("[(]", "[\\]()]", "\\(a\\)", "[[(]", "\\\\[(]"):
        assert regex.parse(src).groups == [], src
        assert convert_regex(src)[0].js_source == src  # type: ignore[union-attr]
        assert name_groups(src) == (src, [])
    assert edge_problems("(a)[\\2]") == []          # \2 in a class is a character, not a reference
    assert any("refers to group 2" in m for m, _ in edge_problems("(a)[(]\\2"))
    cls = regex.parse("[\\]a]").tree
    assert isinstance(cls, regex.Seq) and isinstance(cls.items[0], regex.Char)
    assert cls.items[0].chars == {ord("]"), ord("a")} and cls.items[0].example == "]"


def test_lookarounds_across_tasks() -> None:
    assert convert_regex("(?<=a)b") == (None, ["lookbehind is not supported by the CloudFront runtime"])
    assert convert_regex("[(?<=]b")[1] == []     # in a class: characters, not a lookbehind
    assert convert_regex("\\(?<=b")[1] == []     # an escaped paren, then "?<=b"
    kinds = [n.kind for n in regex.walk(regex.parse("(?=a)(?!b)(?<=c)(?<!d)^$\\b\\B").tree)
             if isinstance(n, regex.Assert)]
    assert kinds == ["(?=", "(?!", "(?<=", "(?<!", "^", "$", "\\b", "\\B"]
    assert regex_examples("(?=a)a(?!b)c", "") == ["/ac"]


def test_unicode_property_escapes_are_found_by_the_parser() -> None:
    msg = "Unicode property escapes (\\p{...}) are not supported by the CloudFront runtime"
    assert msg in convert_regex("\\p{L}")[1] and msg in convert_regex("[\\P{L}]")[1]
    assert convert_regex("\\\\p{2}")[1] == []     # an escaped backslash, then p repeated twice


def test_escape_examples_are_the_characters_they_match() -> None:
    for src, want in (("\\x41", "/A"), ("\\u00e9", "/é"), ("\\cJ", "/\n"), ("[\\n]", "/\n"), ("\\/x", "/x"),
                      ("[^a-z0-9]", "/A"), ("\\d\\w\\s", "/1a "), ("[\\d]", "/0")):
        got = regex_examples(src, "")
        assert got and got[0] == want, (src, got)


def test_nesting_beyond_the_edge_limit_is_refused_everywhere() -> None:
    deep = "(" * (regex.MAX_NESTING + 1) + "a" + ")" * (regex.MAX_NESTING + 1)
    ok = "(" * regex.MAX_NESTING + "a" + ")" * regex.MAX_NESTING
    with pytest.raises(regex.TooDeep):
        regex.parse(deep)
    assert len(regex.parse(ok).groups) == regex.MAX_NESTING
    assert convert_regex(deep)[1] == [f"groups nested more than {regex.MAX_NESTING} deep: the edge's engine "
                                      "refuses it (parentheses are too deeply nested)"]
    assert name_groups(deep) == (deep, []) and regex_examples(deep, "") == []
    assert convert_regex(ok)[1] == [] and regex_examples(ok, "") == ["/a"]


def test_hostile_patterns_never_raise_in_any_task() -> None:
    """Unbalanced groups and classes, dangling escapes, unterminated names: every task answers."""
    import random

    from cfroutes.platform.regexcheck import _analyse_tree

    rnd = random.Random(3)
    alphabet = [*"()[]{}\\^$|?*+.-:<>=!k0123abp,é", "(?<", "\\k<", "(?", "[^", "(?<=", "(?:"]
    for _ in range(3000):
        src = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 25)))
        rx = regex.parse(src)
        assert all(0 <= n.start <= n.end <= len(src) for n in regex.walk(rx.tree)), src
        convert_regex(src)
        named, names = name_groups(src)
        assert len(names) == len(rx.groups)
        _analyse_tree(src)
        if regex_error(src) is None:
            regex_examples(src, "")
