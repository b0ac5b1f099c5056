"""The Invopop action catalogue shipped as package data."""

from __future__ import annotations

from facturo.transform.catalogue import invopop_actions, is_invopop_action


def test_catalogue_lists_every_identified_action() -> None:
    actions = invopop_actions()
    assert len(actions) == 182
    assert sum(a.in_current_templates for a in actions.values()) == 132


def test_verifactu_and_core_actions_are_known() -> None:
    for action in ("verifactu.send", "verifactu.wait.approval", "silo.state", "webhook", "pdf"):
        assert is_invopop_action(action)
    assert not is_invopop_action("gobl.build")
    assert not is_invopop_action("silo.stat")


def test_config_keys_and_conditions_seen() -> None:
    actions = invopop_actions()
    assert set(actions["sequence.enumerate"].config_keys) >= {"name", "padding", "start"}
    assert actions["pdf"].config_keys["logo_height"].type
    assert {c.get("code") for c in actions["gov-dk.import"].conditions_seen} >= {
        "accepted",
        "rejected",
    }
