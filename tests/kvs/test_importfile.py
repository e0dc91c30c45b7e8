"""kvs/importfile.py: an entry's size limits are checked in one place, so the build's check of a
store it writes (validate_entries) and the load of a store file (parse) say the same thing."""
from __future__ import annotations

import json

import pytest
from cfroutes.kvs.importfile import StoreFileError, entry_problems, parse, validate_entries
from cfroutes.platform.limits import KVS_KEY_MAX, KVS_VALUE_MAX


@pytest.mark.parametrize("key, value, message", [
    ("k", "v" * (KVS_VALUE_MAX + 1), f"the value of 'k' is {KVS_VALUE_MAX + 1} bytes; KeyValueStore values are "
                                     f"at most {KVS_VALUE_MAX} bytes"),
    ("é" * 257, "v", f"key {'é' * 60!r} is 514 bytes; KeyValueStore keys are 1-{KVS_KEY_MAX} bytes"),
    ("", "v", f"key '' is 0 bytes; KeyValueStore keys are 1-{KVS_KEY_MAX} bytes"),
])
def test_build_and_load_word_an_oversized_entry_alike(key: str, value: str, message: str) -> None:
    assert entry_problems(key, value) == [message]
    assert validate_entries([(key, value)]) == [message]
    with pytest.raises(StoreFileError) as e:
        parse(json.dumps({"data": [{"key": key, "value": value}]}))
    assert e.value.message == message


def test_entries_at_the_limits_pass() -> None:
    key, value = "k" * KVS_KEY_MAX, "€" * (KVS_VALUE_MAX // 3)  # 3 bytes each: 1,023 bytes
    assert entry_problems(key, value) == [] and validate_entries([(key, value)]) == []
    assert parse(json.dumps({key: value})) == {key: value}
