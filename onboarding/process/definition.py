"""The onboarding process definition: loaded from one TOML file and validated at start-up."""

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from onboarding.core.config import get_settings

DEFAULT_PROCESS_FILE = Path(__file__).with_name("process.toml")
LANGUAGES = ("en", "zh")
OWNERS = ("merchant", "support", "automatic")
EVIDENCE_KINDS = ("none", "text", "choice", "identifier", "link", "image", "document", "test_run", "transaction")
# What an item's `condition` may name, and the merchant fact it reads.
CONDITIONS = {
    "self_registered_sandbox": lambda merchant: merchant.sandbox_account == "self_registered",
    "non_hosted": lambda merchant: merchant.integration_mode == "non_hosted",
}
SETTABLE_FIELDS = ("sandbox_account", "integration_mode")
# `requires = ["*"]`: every other required item of the process (go-live waits for everything).
EVERY_OTHER_ITEM = "*"


class ProcessError(ValueError):
    """The process file is wrong; the message names the file, the item and the field."""


@dataclass(frozen=True)
class Item:
    key: str
    stage_index: int
    owner: str
    evidence: str
    title: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    condition: str | None = None
    choices: tuple[str, ...] = ()
    sets: str | None = None
    required: bool = True
    reviewable: bool = False
    requires: tuple[str, ...] = ()
    confirm: bool = False

    def applies_to(self, merchant) -> bool:
        """Whether this item is part of `merchant`'s checklist."""
        return self.condition is None or CONDITIONS[self.condition](merchant)


@dataclass(frozen=True)
class Stage:
    key: str
    index: int
    title: dict[str, str]
    sla_days: int
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Process:
    version: int
    stages: tuple[Stage, ...]
    digest: str = ""  # of the file's content: any edit, even without a new version, is synced
    source: str = ""

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for stage in self.stages for item in stage.items)

    @property
    def keys(self) -> frozenset[str]:
        """Every item key of the process."""
        return frozenset(item.key for stage in self.stages for item in stage.items)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)


def _texts(raw, where: str, name: str, required: bool = True) -> dict[str, str]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict):
        raise ProcessError(f"{where}: field '{name}' must be a table with keys {', '.join(LANGUAGES)}")
    for language in LANGUAGES:
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip():
            raise ProcessError(f"{where}: field '{name}.{language}' is missing or empty")
    return {language: raw[language] for language in LANGUAGES}


def _item(raw, stage_index: int, where: str, seen: set[str]) -> Item:
    key = raw.get("key")
    if not isinstance(key, str) or not key.isidentifier():
        raise ProcessError(f"{where}: field 'key' must be a name like 'product_link' (got {key!r})")
    where = f"{where.rsplit(',', 1)[0]}, item '{key}'"
    if key in seen:
        raise ProcessError(f"{where}: field 'key' is used by another item")
    seen.add(key)
    owner = raw.get("owner")
    if owner not in OWNERS:
        raise ProcessError(f"{where}: field 'owner' must be one of {', '.join(OWNERS)} (got {owner!r})")
    evidence = raw.get("evidence", "none")
    if evidence not in EVIDENCE_KINDS:
        raise ProcessError(f"{where}: field 'evidence' must be one of {', '.join(EVIDENCE_KINDS)} (got {evidence!r})")
    condition = raw.get("condition")
    if condition is not None and condition not in CONDITIONS:
        raise ProcessError(f"{where}: field 'condition' must be one of {', '.join(CONDITIONS)} (got {condition!r})")
    choices = raw.get("choices", [])
    if evidence == "choice" and (not isinstance(choices, list) or not choices):
        raise ProcessError(f"{where}: field 'choices' must list the options of a choice item")
    sets = raw.get("sets")
    if sets is not None and sets not in SETTABLE_FIELDS:
        raise ProcessError(f"{where}: field 'sets' must be one of {', '.join(SETTABLE_FIELDS)} (got {sets!r})")
    unknown = set(raw) - {
        "key",
        "owner",
        "evidence",
        "condition",
        "choices",
        "sets",
        "title",
        "help",
        "required",
        "reviewable",
        "requires",
        "confirm",
    }
    if unknown:
        raise ProcessError(f"{where}: unknown field '{sorted(unknown)[0]}'")
    requires = raw.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(key, str) for key in requires):
        raise ProcessError(f"{where}: field 'requires' must list item keys, e.g. [\"production_parameters\"]")
    return Item(
        key=key,
        stage_index=stage_index,
        owner=owner,
        evidence=evidence,
        title=_texts(raw.get("title"), where, "title"),
        help=_texts(raw.get("help"), where, "help", required=False),
        condition=condition,
        choices=tuple(str(choice) for choice in choices),
        sets=sets,
        required=bool(raw.get("required", True)),
        reviewable=bool(raw.get("reviewable", False)),
        requires=tuple(dict.fromkeys(requires)),
        confirm=bool(raw.get("confirm", False)),
    )


def _resolve_requirements(stages: list[Stage], source: str) -> list[Stage]:
    """Expand `*`, and refuse unknown keys, later stages and cycles, naming the item."""
    items = {item.key: item for stage in stages for item in stage.items}
    resolved: dict[str, tuple[str, ...]] = {}
    for item in items.values():
        where = f"{source}: stage '{stages[item.stage_index].key}', item '{item.key}'"
        keys: list[str] = []
        for key in item.requires:
            if key == EVERY_OTHER_ITEM:
                keys += [other.key for other in items.values() if other.required and other.key != item.key]
                continue
            if key == item.key:
                raise ProcessError(f"{where}: field 'requires' names the item itself")
            if key not in items:
                raise ProcessError(f"{where}: field 'requires' names '{key}', which is not an item of this process")
            keys.append(key)
        for key in keys:
            if items[key].stage_index > item.stage_index:
                raise ProcessError(
                    f"{where}: field 'requires' names '{key}' of a later stage; an item can wait only for items "
                    "of its own or an earlier stage"
                )
        resolved[item.key] = tuple(dict.fromkeys(keys))
    try:
        tuple(TopologicalSorter(resolved).static_order())
    except CycleError as error:
        cycle = " → ".join(error.args[1])
        raise ProcessError(f"{source}: field 'requires' forms a cycle: {cycle}") from None
    return [
        Stage(
            stage.key,
            stage.index,
            stage.title,
            stage.sla_days,
            tuple(Item(**{**vars(item), "requires": resolved[item.key]}) for item in stage.items),
        )
        for stage in stages
    ]


def parse(data: dict, source: str) -> Process:
    """Validate raw process data read from `source`, or raise ProcessError."""
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ProcessError(f"{source}: field 'stages' must list at least one stage")
    stages, seen_items, seen_stages = [], set(), set()
    for index, raw_stage in enumerate(raw_stages):
        key = raw_stage.get("key")
        where = f"{source}: stage {index + 1}"
        if not isinstance(key, str) or not key.isidentifier() or key in seen_stages:
            raise ProcessError(f"{where}: field 'key' must be a unique name (got {key!r})")
        seen_stages.add(key)
        where = f"{source}: stage '{key}'"
        sla = raw_stage.get("sla_days")
        if not isinstance(sla, int) or isinstance(sla, bool) or sla < 1:
            raise ProcessError(f"{where}: field 'sla_days' must be a whole number of days, at least 1 (got {sla!r})")
        raw_items = raw_stage.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise ProcessError(f"{where}: field 'items' must list at least one item")
        items = tuple(
            _item(raw, index, f"{where}, item {number + 1}", seen_items) for number, raw in enumerate(raw_items)
        )
        stages.append(
            Stage(key=key, index=index, title=_texts(raw_stage.get("title"), where, "title"), sla_days=sla, items=items)
        )
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProcessError(f"{source}: field 'version' must be a whole number, at least 1 (got {version!r})")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return Process(
        version=version,
        stages=tuple(_resolve_requirements(stages, source)),
        digest=digest[:16],
        source=source,
    )


def load(path: Path = DEFAULT_PROCESS_FILE) -> Process:
    """Read and validate the process file at `path`."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProcessError(f"{path}: the process file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ProcessError(f"{path}: not valid TOML ({error})") from None
    return parse(data, str(path))


def process_file() -> Path:
    """The process file in use: `ONBOARDING_PROCESS_FILE`, or the one shipped with the app."""
    return Path(get_settings().onboarding_process_file or DEFAULT_PROCESS_FILE)


@lru_cache
def _loaded(path: Path) -> Process:
    return load(path)


def default_process() -> Process:
    """The process the app runs on (`ONBOARDING_PROCESS_FILE` or the shipped file), loaded once per file.

    A changed file takes effect at the next start, when every merchant is synced to it.
    """
    return _loaded(process_file())
