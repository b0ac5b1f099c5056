"""JSON Patch (RFC 6902) and Merge Patch (RFC 7396): table tests from the RFCs' own examples."""

from __future__ import annotations

from typing import Any

import pytest

from facturo.silo.errors import PatchFailed
from facturo.silo.json_patch import apply_json_patch, merge_patch

# RFC 6902 Appendix A, one row per example that succeeds.
APPLIES = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"foo": "bar", "baz": "qux"}),
    (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ({"a": 1}, [{"op": "copy", "from": "/a", "path": "/b"}], {"a": 1, "b": 1}),
]


@pytest.mark.parametrize(("doc", "patch", "expected"), APPLIES)
def test_rfc_6902_examples_apply(doc: Any, patch: list[Any], expected: Any) -> None:
    before = repr(doc)
    assert apply_json_patch(doc, patch) == expected
    assert repr(doc) == before  # the input is not modified


FAILS = [
    ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "$.data[0].value"),
    ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], "$.data[0].path"),
    ({"a": 1}, [{"op": "remove", "path": "/b"}], "$.data[0].path"),
    ({"a": [1]}, [{"op": "add", "path": "/a/5", "value": 2}], "$.data[0].path"),
    ({"a": 1}, [{"op": "jump", "path": "/a"}], "$.data[0].op"),
    ({"a": 1}, [{"op": "add", "path": "a", "value": 1}], "$.data[0].path"),
    ({"a": 1}, [{"op": "replace", "path": "/a"}], "$.data[0].value"),
    ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}], "$.data[0].path"),
    (
        {"a": 1},
        [{"op": "add", "path": "/b", "value": 2}, {"op": "test", "path": "/b", "value": 3}],
        "$.data[1].value",
    ),
    ({"a": 1}, {"op": "add"}, "$.data"),
]


@pytest.mark.parametrize(("doc", "patch", "path"), FAILS)
def test_failing_patches_name_the_operation(doc: Any, patch: Any, path: str) -> None:
    with pytest.raises(PatchFailed) as info:
        apply_json_patch(doc, patch)
    assert info.value.faults[0].paths == (path,)


# RFC 7396 Appendix A
MERGES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), MERGES)
def test_rfc_7396_examples(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected
