"""The Invopop action catalogue: every step action id seen in Invopop's templates and app pages.

``data/invopop_actions.json`` is a copy of ``shared/data/invopop/catalogue/actions.json``
(derived from docs.invopop.com @ bb7fec8; spec §5): one row per action id, with the config keys
and ``next`` conditions seen in templates. It lets validation tell a workflow written for Invopop
that uses an action Facturo does not provide yet (``step.action.unavailable``) from one that names
an action nobody knows (``step.action.unknown``, usually a typo), and it is the list to work
through when adding providers. Rows whose id could not be matched (``action: null``) are left out.

The file is package data, read once through ``importlib.resources`` and cached (STYLE.md, "Pure
libraries stay free of I/O").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

DATA_FILE = "invopop_actions.json"


@dataclass(frozen=True, slots=True)
class ConfigKeySeen:
    """A ``config`` key seen for an action, with the JSON type and example values seen."""

    type: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CatalogueAction:
    """One Invopop action id and what the templates show of it."""

    id: str
    display_names: tuple[str, ...]
    in_current_templates: bool
    config_keys: Mapping[str, ConfigKeySeen]
    conditions_seen: tuple[Mapping[str, Any], ...]
    app_page: str | None


@cache
def invopop_actions() -> Mapping[str, CatalogueAction]:
    """Every catalogued Invopop action, by id (202 rows, 182 with an id)."""
    text = resources.files("facturo.transform.data").joinpath(DATA_FILE).read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)["actions"]
    actions: dict[str, CatalogueAction] = {}
    for row in rows:
        if row["action"] is None:
            continue
        actions[row["action"]] = CatalogueAction(
            id=row["action"],
            display_names=tuple(row["display_names"]),
            in_current_templates=bool(row["in_current_templates"]),
            config_keys=MappingProxyType(
                {
                    key: ConfigKeySeen(seen["type"], tuple(seen["examples"]))
                    for key, seen in row["config_keys_seen"].items()
                }
            ),
            conditions_seen=tuple(MappingProxyType(c) for c in row["next_conditions_seen"]),
            app_page=row["app_page"],
        )
    return MappingProxyType(actions)


def is_invopop_action(action_id: str) -> bool:
    """Whether Invopop is known to offer this action id."""
    return action_id in invopop_actions()
