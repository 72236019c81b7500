"""The saved-plan file format (`plan --out FILE`, `apply FILE`): pure, no I/O.

A saved plan is the JSON plan of one stack plus what apply needs to make exactly those changes:
each change's request payloads, the live object it was planned against and its fingerprint, and
the stack's `protect` list (apply checks the safety rules again against live state). Secrets are
stored as references (`{"$secret": "env:APN_P8"}`, `{"$secret": "file:keys/apn.p8"}` relative to
the stack's folder), never their values; the caller resolves them again when the plan is applied.

The file is tamper-evident: `mac` is an HMAC-SHA256, keyed with the app's API secret, over the
canonical JSON of the whole document without `mac` (keys sorted, no spaces, UTF-8). Apply needs
the API secret anyway, and refuses a file whose MAC does not match before it reads anything else
from it: a plan edited by hand is never applied.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stream_iac.errors import ConfigError, json_type_name
from stream_iac.kinds import BY_NAME
from stream_iac.paths import ChangePath, Item
from stream_iac.plan.build import NOT_COMPARED_WHY, Change, NotCompared, Plan
from stream_iac.plan.diff import FieldChange
from stream_iac.plan.targets import Partial
from stream_iac.secrets import REDACTED, Secret

PLANFILE_VERSION = "2"  # 1: before the MAC
MAC_FIELD = "mac"
MAC_SCHEME = "hmac-sha256:"
_AGAIN = "Nothing was applied; save the plan again with `stream-iac plan --out`."

SecretResolver = Callable[[str], Secret]  # a reference ("env:NAME", "file:PATH") → its Secret


class PlanFileError(ConfigError):
    """A saved plan that cannot be applied as it is: not a plan file, or not as it was saved."""


@dataclass(frozen=True)
class PlanHeader:
    """Where a saved plan applies: the stack it came from, the app it was planned against, and
    the stack's protected addresses."""

    stack_path: str
    api_key: str | None
    base_url: str | None
    credentials: dict[str, str] | None
    protect: tuple[str, ...] = ()


def plan_document(plan: Plan, header: PlanHeader, secret_refs: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The saved-plan document for `plan` (a JSON-ready dict, secrets as references), unsigned.

    A secret's value can also sit inside a field that is not secret (a token in a webhook URL, a
    live value the API echoes): every string holding one of `secret_refs` (secret value → its
    reference) is stored as a template, `{"$template": ["https://h/?token=", {"$secret": "env:T"}]}`,
    and put together again when the plan is applied, as secrets are. So the file holds no secret
    value, and what apply sends is what plan showed."""
    return _templated(_document(plan, header), secret_refs or {})


def _document(plan: Plan, header: PlanHeader) -> dict[str, Any]:
    doc = plan.to_json()
    doc["planfile_version"] = PLANFILE_VERSION
    doc["stack_path"] = header.stack_path
    doc["credentials"] = header.credentials
    doc["api_key"] = header.api_key
    doc["base_url"] = header.base_url
    doc["protect"] = sorted(header.protect)
    doc["apply"] = [
        {
            "address": c.address,
            "payload": _encode(c.payload),
            "followup": _encode(c.followup),
            "live": c.live,
            "fingerprint": c.fingerprint,
            "field_changes": [
                {"path": _encode_path(fc.path), "before": fc.before, "after": fc.after, "sensitive": fc.sensitive,
                 "write_only": fc.write_only}
                for fc in c.field_changes
            ],
        }
        for c in plan.changes
    ]
    return doc


# ---------------------------------------------------------------- the MAC


def canonical(doc: dict[str, Any]) -> bytes:
    """The bytes the MAC covers: the whole document without `mac`, as canonical JSON."""
    body = {k: v for k, v in doc.items() if k != MAC_FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def mac_of(doc: dict[str, Any], key: str) -> str:
    return MAC_SCHEME + hmac.new(key.encode("utf-8"), canonical(doc), hashlib.sha256).hexdigest()


def signed(doc: dict[str, Any], key: str) -> dict[str, Any]:
    """`doc` as it will read back from the file (JSON round trip), with its MAC keyed with `key`."""
    plain: dict[str, Any] = json.loads(json.dumps(doc))
    plain[MAC_FIELD] = mac_of(plain, key)
    return plain


def check_mac(doc: dict[str, Any], key: str, where: str) -> None:
    """Raises PlanFileError unless `doc` carries the MAC that `key` gives it."""
    mac = doc.get(MAC_FIELD)
    if not isinstance(mac, str) or not mac:
        raise PlanFileError(f"{where} has no MAC, so it cannot be checked against changes made by hand. {_AGAIN}")
    if not hmac.compare_digest(mac.encode("utf-8"), mac_of(doc, key).encode("utf-8")):
        raise PlanFileError(
            f"{where} was changed after it was saved (its MAC does not match: the file was edited, or "
            f"saved with another API secret than the one set now). {_AGAIN}")


# ---------------------------------------------------------------- reading


def read_header(doc: Any, where: str) -> PlanHeader:
    """The header of a saved-plan document, before its MAC is checked (apply needs it to find the
    API secret the MAC is keyed with). Raises PlanFileError when `doc` is not a saved plan."""
    if not isinstance(doc, dict) or "planfile_version" not in doc:
        raise PlanFileError(f"{where}: not a stream-iac saved plan (made with `plan --out`)")
    if doc["planfile_version"] != PLANFILE_VERSION:
        raise PlanFileError(f"{where} was saved by another version of stream-iac (saved-plan format "
                            f"{doc['planfile_version']!r}, this one reads {PLANFILE_VERSION!r}). {_AGAIN}")
    credentials = doc.get("credentials")
    protect = doc.get("protect")
    if (not isinstance(doc.get("stack_path"), str)
            or not (credentials is None or (isinstance(credentials, dict)
                                            and all(isinstance(v, str) for v in credentials.values())))
            or not isinstance(protect, list) or not all(isinstance(p, str) for p in protect)
            or not all(doc.get(k) is None or isinstance(doc.get(k), str) for k in ("api_key", "base_url"))
            or not (credentials is None or set(credentials) == {"api_key_env", "api_secret_env"})):
        raise PlanFileError(f"{where}: not a well-formed saved plan (its header: stack_path, credentials, api_key, "
                            f"base_url or protect). {_AGAIN}")
    return PlanHeader(stack_path=doc["stack_path"], api_key=_text(doc.get("api_key")),
                      base_url=_text(doc.get("base_url")), credentials=credentials, protect=tuple(protect))


def parse_plan_document(doc: dict[str, Any], where: str, resolve: SecretResolver) -> Plan:
    """The plan of a saved-plan document whose MAC was checked; secrets resolved with `resolve`.
    Raises PlanFileError, naming the first thing that is wrong, for a document that is not a
    well-formed saved plan (whatever is in it: it may not come from stream-iac)."""
    problem = _shape_problem(doc)
    if problem:
        raise PlanFileError(f"{where}: not a well-formed saved plan: {problem}. {_AGAIN}")
    doc = _decode(doc, resolve)
    try:
        extra = {item["address"]: item for item in doc["apply"]}
        changes = []
        for item in doc["changes"]:
            saved = extra[item["address"]]
            changes.append(Change(
                address=item["address"], kind=item["kind"], name=item["name"], action=item["action"],
                before=item["before"], after=item["after"], changed_paths=item["changed_paths"],
                sensitive_paths=item["sensitive_paths"],
                field_changes=[FieldChange(_decode_path(f["path"]), f["before"], f["after"], f["sensitive"],
                                           bool(f.get("write_only", False)))
                               for f in saved.get("field_changes", [])],
                payload=_decode(saved["payload"], resolve), followup=_decode(saved["followup"], resolve),
                live=saved["live"], depends_on=item["depends_on"], fingerprint=saved["fingerprint"],
            ))
        return Plan(stack=doc["stack"], changes=changes, unmanaged=doc.get("unmanaged", []),
                    warnings=doc.get("warnings", []), partial=Partial.from_json(doc.get("partial")),
                    not_compared=[NotCompared(n["path"], n["reason"]) for n in doc.get("not_compared", [])
                                  if n.get("reason") in NOT_COMPARED_WHY])
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlanFileError(f"{where}: not a well-formed saved plan (at {exc}). {_AGAIN}") from None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _encode_path(path: ChangePath) -> list[Any]:
    """A change's path as JSON: a list item named by identity as {"key": …, "value": …}."""
    return [{"key": p.key, "value": p.value} if isinstance(p, Item) else p for p in path]


def _decode_path(parts: list[Any]) -> ChangePath:
    return tuple(Item(str(p["key"]), str(p["value"])) if isinstance(p, dict) else p for p in parts)


def _encode(value: Any) -> Any:
    if isinstance(value, Secret):
        return {"$secret": value.ref}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, resolve: SecretResolver) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            return resolve(str(value["$secret"]))
        if set(value) == {"$template"}:
            return "".join(part if isinstance(part, str) else _revealed(resolve(str(part["$secret"])))
                           for part in value["$template"])
        return {k: _decode(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, resolve) for v in value]
    return value


def _revealed(secret: Secret) -> str:
    """A secret's value inside a templated string; the marker where it is not known (`show`)."""
    return secret.reveal() or REDACTED


# ---------------------------------------------------------------- secrets inside other strings


def _templated(doc: dict[str, Any], secret_refs: Mapping[str, str]) -> dict[str, Any]:
    """`doc` with every string that holds a secret value stored as a template (see plan_document)."""
    refs = sorted(((v, r) for v, r in secret_refs.items() if v), key=lambda item: -len(item[0]))
    if not refs:
        return doc
    blob = json.dumps(doc, ensure_ascii=False)
    if not any(json.dumps(value, ensure_ascii=False)[1:-1] in blob for value, _ in refs):
        return doc
    result: dict[str, Any] = _template_walk(doc, refs)
    return result


def _template_walk(value: Any, refs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        parts = _template_parts(value, refs)
        return {"$template": parts} if parts is not None else value
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            return value
        for key in value:
            if isinstance(key, str) and _template_parts(key, refs) is not None:
                raise PlanFileError(f"cannot save the plan: a name in it holds a secret value "
                                    f"({_template_text(key, refs)}); nothing was saved")
        return {k: _template_walk(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_template_walk(v, refs) for v in value]
    return value


def _template_parts(text: str, refs: list[tuple[str, str]]) -> list[Any] | None:
    """`text` as literal pieces and secret references, or None when it holds no secret value."""
    parts: list[Any] = []
    start = 0
    while True:
        found = [(text.find(value, start), -len(value), value, ref) for value, ref in refs]
        hits = [hit for hit in found if hit[0] >= 0]
        if not hits:
            break
        index, _, value, ref = min(hits)
        if index > start:
            parts.append(text[start:index])
        parts.append({"$secret": ref})
        start = index + len(value)
    if not parts:
        return None
    if start < len(text):
        parts.append(text[start:])
    return parts


def _template_text(text: str, refs: list[tuple[str, str]]) -> str:
    parts = _template_parts(text, refs) or [text]
    return "".join(p if isinstance(p, str) else "${" + p["$secret"] + "}" for p in parts)


# ---------------------------------------------------------------- the shape of a document

ACTIONS = ("create", "update", "delete")
_PLACEHOLDER = re.compile(r"{(\w+)}")


def _shape_problem(doc: Any) -> str | None:
    """What is wrong with the shape of a saved-plan document, or None. Checked before anything
    in it is used, so that a damaged file gives one clear message."""
    if not isinstance(doc, dict):
        return "it is not a JSON object"
    for key, kinds in (("stack", str), ("changes", list), ("apply", list)):
        if not isinstance(doc.get(key), kinds):
            return f"{key!r} is {_what(doc.get(key))}, expected {_NOUNS[kinds]}"
    for key in ("unmanaged", "warnings"):
        if key in doc and not _strings(doc[key]):
            return f"{key!r} is {_what(doc[key])}, expected a list of text"
    partial = doc.get("partial")
    if partial is not None and not (isinstance(partial, dict) and all(
            _strings(partial.get(k, [])) for k in ("targets", "dependencies"))):
        return "'partial' is not null or {\"targets\": [...], \"dependencies\": [...]}"
    addresses: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(doc["changes"]):
        problem = _change_problem(item)
        if problem:
            return f"changes[{index}]{problem}"
        if item["address"] in addresses:
            return f"changes[{index}]: {item['address']} is listed twice"
        addresses[item["address"]] = item
    seen: set[str] = set()
    for index, item in enumerate(doc["apply"]):
        change = addresses.get(str(item.get("address"))) if isinstance(item, dict) else None
        if change is None:
            return f"apply[{index}] is not the request data of a change in 'changes'"
        problem = _request_problem(item, change)
        if problem:
            return f"apply[{index}] ({item['address']}){problem}"
        seen.add(item["address"])
    missing = sorted(set(addresses) - seen)
    if missing:
        return f"'apply' has no request data for {', '.join(missing)}"
    return _references_problem(doc)


def _change_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return f" is {_what(item)}, expected an object"
    for key in ("address", "kind", "name", "action"):
        if not isinstance(item.get(key), str):
            return f".{key} is {_what(item.get(key))}, expected text"
    kind = BY_NAME.get(item["kind"])
    if kind is None:
        return f".kind is {item['kind']!r}, which is no kind stream-iac knows ({', '.join(BY_NAME)})"
    if item["action"] not in ACTIONS:
        return f".action is {item['action']!r}, expected create, update or delete"
    if getattr(kind.api, item["action"]) is None:
        return f": {item['kind']} objects cannot be {_PAST[item['action']]}"
    if item["address"] != kind.address(item["name"]):
        return f".address {item['address']!r} is not the address of {item['kind']} {item['name']!r}"
    for key in ("before", "after"):
        if item.get(key) is not None and not isinstance(item[key], dict):
            return f".{key} is {_what(item[key])}, expected an object or null"
    for key in ("changed_paths", "sensitive_paths", "depends_on"):
        if not _strings(item.get(key)):
            return f".{key} is {_what(item.get(key))}, expected a list of text"
    return None


def _request_problem(item: dict[str, Any], change: dict[str, Any]) -> str | None:
    action = change["action"]
    for key in ("payload", "followup", "live"):
        if item.get(key) is not None and not isinstance(item[key], dict):
            return f".{key} is {_what(item[key])}, expected an object or null"
    if action in ("create", "update") and not isinstance(item.get("payload"), dict):
        return f": a {action} needs a payload object, not {_what(item.get('payload'))}"
    if action == "delete":
        live = item.get("live")
        if not isinstance(live, dict):
            return f": a delete needs the live object, not {_what(live)}"
        endpoint = BY_NAME[change["kind"]].api.delete
        needed = [p for p in _PLACEHOLDER.findall(endpoint.path if endpoint else "") if p != "name"]
        absent = [p for p in needed if not isinstance(live.get(p), str)]
        if absent:
            return f".live has no {', '.join(absent)}, which the delete request needs"
    if not isinstance(item.get("fingerprint"), str):
        return f".fingerprint is {_what(item.get('fingerprint'))}, expected text"
    changes = item.get("field_changes", [])
    if not isinstance(changes, list):
        return f".field_changes is {_what(changes)}, expected a list"
    for index, field_change in enumerate(changes):
        if not isinstance(field_change, dict) or not isinstance(field_change.get("path"), list):
            return f".field_changes[{index}] is not an object with a path list"
        if not all(isinstance(p, str | int) and not isinstance(p, bool)
                   or isinstance(p, dict) and set(p) == {"key", "value"} for p in field_change["path"]):
            return f".field_changes[{index}].path holds something that is not a name, index or item"
        if not isinstance(field_change.get("sensitive", False), bool):
            return f".field_changes[{index}].sensitive is {_what(field_change.get('sensitive'))}, expected true/false"
    return None


def _references_problem(value: Any, path: str = "") -> str | None:
    """Secret references and templates must be well-formed wherever they are."""
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            ref = value["$secret"]
            if not isinstance(ref, str) or not re.fullmatch(r"(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)", ref, re.DOTALL):
                return f"{path or 'a value'} holds the secret reference {ref!r}, expected env:NAME or file:PATH"
            return None
        if set(value) == {"$template"}:
            parts = value["$template"]
            if not isinstance(parts, list) or not all(
                    isinstance(p, str) or isinstance(p, dict) and set(p) == {"$secret"} for p in parts):
                return f"{path or 'a value'} holds a malformed template"
            return next((found for p in parts if (found := _references_problem(p, path))), None)
        for key, child in value.items():
            found = _references_problem(child, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _references_problem(child, f"{path}[{index}]")
            if found:
                return found
    return None


_NOUNS: dict[Any, str] = {str: "text", list: "a list", dict: "an object"}
_PAST = {"create": "created", "update": "updated", "delete": "deleted"}


def _what(value: Any) -> str:
    """A JSON value's type in words (a missing key reads as null)."""
    return json_type_name(value, null="missing or null")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


