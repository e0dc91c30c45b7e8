"""Plan UpdateKeys batches that bring a live KeyValueStore to the bundle's content.

Only keys the config owns are touched: spilled routes (reserved prefix) are put
when new or changed and deleted when no longer produced; seed keys are put only
when absent from the store (their live values belong to the tenants), unless
`overwrite_seed` is set. Any other key in the store is left alone.

Two phases, because spilled keys are versioned (docs/deploy.md): `batches` only add
(new spilled keys, missing seed keys) and go BEFORE the code that reads them is
published; `cleanup` only deletes spilled keys of versions no code still reads and goes
AFTER the publish. Spilled keys of a version in `keep_versions` (the one LIVE ran before
this deploy: the rollback target) are never deleted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cfroutes.config.model import SPILL_PREFIX, spill_version
from cfroutes.kvs import importfile
from cfroutes.platform.limits import UPDATE_KEYS_MAX_BYTES, UPDATE_KEYS_MAX_KEYS


@dataclass
class KvsPlan:
    batches: list[dict[str, list[dict[str, str]]]] = field(default_factory=list)  # puts only: before publish
    cleanup: list[dict[str, list[dict[str, str]]]] = field(default_factory=list)  # deletes only: after publish
    puts: int = 0
    deletes: int = 0
    kept_seed: int = 0  # seed keys already in the store, left as they are
    foreign: int = 0  # keys in the store the config does not own
    kept_versions: int = 0  # spilled keys of a version kept for rollback

    def summary(self) -> dict[str, int]:
        return {"puts": self.puts, "deletes": self.deletes, "batches": len(self.batches),
                "after_publish_batches": len(self.cleanup), "seed_keys_kept": self.kept_seed,
                "rollback_keys_kept": self.kept_versions, "foreign_keys_untouched": self.foreign}

    def to_json(self) -> dict[str, object]:
        return {"batches": self.batches, "after_publish": self.cleanup, "summary": self.summary()}


def parse_current(text: str) -> dict[str, str]:
    """The whole store's content: an import file, a JSON object of strings, or complete
    `list-keys` output. Anything else raises importfile.StoreFileError (a ValueError): reading
    a store wrongly would plan PUTs of seed values over live tenant values."""
    return importfile.parse(text, strings_only=True, listing=True)


def plan_updates(desired: list[tuple[str, str]], seed_keys: set[str], current: dict[str, str],
                 *, overwrite_seed: bool = False, keep_versions: frozenset[str] = frozenset()) -> KvsPlan:
    result = KvsPlan()
    puts: list[tuple[str, str]] = []
    deletes: list[str] = []
    want = dict(desired)
    for key, value in desired:
        if key.startswith(SPILL_PREFIX):
            if current.get(key) != value:
                puts.append((key, value))
        elif key in seed_keys:
            if key not in current or (overwrite_seed and current[key] != value):
                puts.append((key, value))
            else:
                result.kept_seed += 1
    for key in sorted(current):
        if key.startswith(SPILL_PREFIX) and key not in want:
            if spill_version(key) in keep_versions:
                result.kept_versions += 1
            else:
                deletes.append(key)
        elif not key.startswith(SPILL_PREFIX) and key not in seed_keys:
            result.foreign += 1
    result.puts, result.deletes = len(puts), len(deletes)
    batch: dict[str, list[dict[str, str]]] = {"Puts": [], "Deletes": []}
    count = size = 0
    into = result.batches

    def flush() -> None:
        nonlocal batch, count, size
        if count:
            into.append({k: v for k, v in batch.items() if v})
        batch, count, size = {"Puts": [], "Deletes": []}, 0, 0

    for key, value in puts:
        cost = len(key.encode()) + len(value.encode()) + 32
        if count + 1 > UPDATE_KEYS_MAX_KEYS or size + cost > UPDATE_KEYS_MAX_BYTES:
            flush()
        batch["Puts"].append({"Key": key, "Value": value})
        count, size = count + 1, size + cost
    flush()
    into = result.cleanup
    for key in deletes:
        cost = len(key.encode()) + 16
        if count + 1 > UPDATE_KEYS_MAX_KEYS or size + cost > UPDATE_KEYS_MAX_BYTES:
            flush()
        batch["Deletes"].append({"Key": key})
        count, size = count + 1, size + cost
    flush()
    return result
