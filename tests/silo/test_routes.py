"""How the Silo's routes sit on the app: entry routes on the app's own router, matched once, in
the order they were declared, so literal paths still win over ``{entry_id}``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient


def test_the_entry_routes_are_routes_of_the_app_itself(app: FastAPI) -> None:
    own = [(r.path, sorted(r.methods)) for r in app.router.routes if isinstance(r, APIRoute)]
    assert ("/silo/v1/entries/{entry_id}", ["GET"]) in own
    assert ("/silo/v1/entries/{entry_id}", ["PUT"]) in own
    assert ("/silo/v1/entries", ["GET"]) in own
    gets = [path for path, methods in own if methods == ["GET"]]
    assert gets.index("/silo/v1/entries/related") < gets.index("/silo/v1/entries/{entry_id}")


def test_literal_paths_and_sub_routers_still_answer(
    client: TestClient, auth: dict[str, str]
) -> None:
    # ``related`` is not read as an entry id (which would answer 422 for a bad UUID).
    answer = client.get(
        "/silo/v1/entries/related?uuid=0190d5a8-7b1c-7cc3-9a35-36c5f8e2d4a1", headers=auth
    )
    assert answer.status_code == 200
    assert answer.json()["list"] == []
    # The states router, included after the entry routes under the same prefix.
    missing = client.get(
        "/silo/v1/entries/0190d5a8-7b1c-7cc3-9a35-36c5f8e2d4a1/states", headers=auth
    )
    assert missing.status_code == 404
    assert client.get("/silo/v1/entries/not-a-uuid", headers=auth).status_code == 422
