"""Blocklists, including the built-in one."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Api, assert_error, assert_ok

BUILTIN = "profanity_en_2020_v1"


def create(api: Api, name: str, words: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "words": words if words is not None else ["alpha", "beta"], **fields}
    blocklist: dict[str, Any] = assert_ok(api.post("/blocklists", body), 201)["blocklist"]
    return blocklist


def test_builtin_blocklist_is_listed_with_over_a_thousand_lowercase_words(api: Api) -> None:
    listed = assert_ok(api.get("/blocklists"))["blocklists"]
    assert [item["name"] for item in listed] == [BUILTIN]
    words = listed[0]["words"]
    assert len(words) > 1000
    assert all(word == word.lower() for word in words)
    assert listed[0]["type"] == "word"


def test_builtin_blocklist_cannot_be_updated_or_deleted(api: Api) -> None:
    assert_error(api.put(f"/blocklists/{BUILTIN}", {"words": ["x"]}), 400, 4, "UpdateBlockList",
                 f'cannot update the builtin block list "{BUILTIN}"')
    assert_error(api.delete(f"/blocklists/{BUILTIN}"), 400, 4, "DeleteBlockList",
                 f'cannot delete the builtin block list "{BUILTIN}"')
    assert assert_ok(api.get(f"/blocklists/{BUILTIN}"))["blocklist"]["name"] == BUILTIN


def test_create_get_update_delete(api: Api) -> None:
    created = create(api, "custom", is_leet_check_enabled=True)
    assert created["type"] == "word"
    assert created["is_leet_check_enabled"] is True and created["is_plural_check_enabled"] is False
    assert assert_ok(api.get("/blocklists/custom"))["blocklist"]["words"] == ["alpha", "beta"]
    updated = assert_ok(api.put("/blocklists/custom", {"words": ["gamma"]}), 201)["blocklist"]
    assert updated["words"] == ["gamma"]
    assert updated["is_leet_check_enabled"] is True
    assert assert_ok(api.get("/blocklists/custom"))["blocklist"]["words"] == ["gamma"]
    assert set(assert_ok(api.delete("/blocklists/custom"))) == {"duration"}
    assert_error(api.get("/blocklists/custom"), 404, 16, "GetBlockList")


def test_type_is_fixed_at_creation(api: Api, strict_api: Api) -> None:
    create(api, "domains", ["example.com"], type="domain")
    updated = assert_ok(api.put("/blocklists/domains", {"type": "word", "words": ["example.org"]}), 201)
    assert updated["blocklist"]["type"] == "domain"  # not an update field: ignored
    create(strict_api, "domains", ["example.com"], type="domain")
    assert_error(strict_api.put("/blocklists/domains", {"type": "word"}), 400, 4, "UpdateBlockList",
                 "unknown field type")


@pytest.mark.parametrize(
    ("words", "detail"),
    [
        (["Alpha"], "lowercase"),
        (["a" * 41], "at most 40"),
        ([f"w{i}" for i in range(10001)], "at most 10000"),
        ([""], "empty"),
    ],
)
def test_word_rules(api: Api, words: list[str], detail: str) -> None:
    assert_error(api.post("/blocklists", {"name": "bad", "words": words}), 400, 4, "CreateBlockList", detail)


def test_ten_thousand_words_of_forty_chars_are_accepted(api: Api) -> None:
    words = [f"{i:040d}" for i in range(10000)]
    assert len(create(api, "big", words)["words"]) == 10000


def test_duplicate_and_invalid_create(api: Api) -> None:
    create(api, "custom")
    assert_error(api.post("/blocklists", {"name": "custom", "words": []}), 400, 4, "CreateBlockList", "exists")
    assert_error(api.post("/blocklists", {"name": BUILTIN, "words": []}), 400, 4, "CreateBlockList", "exists")
    assert_error(api.post("/blocklists", {"name": "x"}), 400, 4, "CreateBlockList", "words is a required field")
    assert_error(api.post("/blocklists", {"name": "x", "words": [], "type": "emoji"}), 400, 4, "CreateBlockList",
                 "type must be one of")
    assert_error(api.post("/blocklists", {"name": "n" * 256, "words": []}), 400, 4, "CreateBlockList", "255")


def test_at_most_15_custom_blocklists(api: Api) -> None:
    for index in range(15):
        create(api, f"list{index}")
    assert_error(api.post("/blocklists", {"name": "list15", "words": []}), 400, 4, "CreateBlockList", "15")


def test_pagination_with_cursor_and_limit(api: Api) -> None:
    for index in range(4):
        create(api, f"list{index}")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = assert_ok(api.get("/blocklists", params=params))
        seen.extend(item["name"] for item in body["blocklists"])
        pages += 1
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert pages == 3
    assert seen == [BUILTIN, "list0", "list1", "list2", "list3"]
    assert "next_cursor" not in assert_ok(api.get("/blocklists"))


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "garbage"}])
def test_invalid_paging_parameters_are_400(api: Api, params: dict[str, Any]) -> None:
    assert_error(api.get("/blocklists", params=params), 400, 4, "ListBlockLists")


@pytest.mark.parametrize(("method", "operation"), [("GET", "GetBlockList"), ("PUT", "UpdateBlockList"),
                                                   ("DELETE", "DeleteBlockList")])
def test_unknown_blocklist_is_404(api: Api, method: str, operation: str) -> None:
    response = api.request(method, "/blocklists/ghost", json={} if method == "PUT" else None)
    assert_error(response, 404, 16, operation, '"ghost"')
