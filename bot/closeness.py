"""The yes/no/maybe list: each partner sorts the project's list alone; only the overlap is shown.

A partner's list is one sealed note (``bot.storage.private_notes``, kind ``closeness``)::

    {"salt": "...", "answers": {"hold_hands": {"a": "yes"}, "sex": {"a": "maybe", "p": "slowly"}},
     "own": [{"id": "o1", "text": "...", "a": "maybe", "w": "their own condition"}],
     "pending": null | {"kind": "condition", "item": "sex"} | {"kind": "own_item"},
     "done": false}

Buttons carry opaque ids (``bot.sealed.opaque_id`` over the note's salt, the item and the answer),
so a payload names nothing without the key; :func:`resolve` finds what a pressed id meant.
Items both partners put in yes or maybe are the overlap (:func:`overlap`); everything else is
never shown to anyone but the person who chose it, and only while they are sorting.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from bot import content, private_words, sealed

CONTENT = "closeness.yml"
PICK = "/private_pick"
TOKEN_RE = re.compile(r'"private_token"\s*:\s*"([a-z2-7]{6,32})"')
SHOWN = ("yes", "maybe")
MAX_OWN = 10


@dataclass(frozen=True)
class Item:
    """One item of the list (the project's, or a partner's own)."""

    id: str
    text: str
    group: str


@dataclass(frozen=True)
class Step:
    """What to ask next: an item to sort, a condition in their words, an own item, the offer to add one."""

    kind: str  # item | condition | own_item | own_offer | done
    item: Optional[Item] = None
    position: int = 0
    total: int = 0


@dataclass(frozen=True)
class Shared:
    """One line of the overlap: the item and what each of the two said (answer, condition words)."""

    text: str
    mine: Tuple[str, Optional[str]]
    theirs: Tuple[str, Optional[str]]


def _content() -> Dict[str, Any]:
    return content.load(CONTENT)


def items(language: str = "en") -> List[Item]:
    """The project's list, in order, worded in ``language`` (English where it has no word)."""
    def say(kind: str, key: str, english: Any) -> str:
        return str(private_words.word("closeness", language, kind, str(key), english=english))

    return [Item(str(i["id"]), say("items", i["id"], i["text"]), say("groups", g["id"], g["title"]))
            for g in _content()["groups"] for i in g["items"]]


def words(language: str, *keys: str) -> Any:
    """One entry of the list's own words in ``language`` (``content/closeness_i18n/``), else English."""
    english: Any = _content()
    for key in keys:
        english = english[key]
    return private_words.word("closeness", language, *keys, english=english)


def new_note() -> Dict[str, Any]:
    """An empty list with a fresh salt (so ids differ from any earlier list's)."""
    return {"salt": secrets.token_hex(8), "answers": {}, "own": [], "pending": None, "done": False}


def _own_items(note: Dict[str, Any]) -> List[Item]:
    return [Item(str(o["id"]), str(o["text"]), "") for o in note.get("own") or []]


def next_step(note: Dict[str, Any], language: str = "en") -> Step:
    """What the partner is asked next (item words in ``language``)."""
    pending = note.get("pending") or {}
    listed = items(language)
    if pending.get("kind") == "condition":
        return Step("condition", _find(note, pending.get("item"), language))
    if pending.get("kind") == "own_item":
        return Step("own_item")
    answers = note.get("answers") or {}
    for position, item in enumerate(listed, start=1):
        if item.id not in answers:
            return Step("item", item, position, len(listed))
    for own in note.get("own") or []:
        if not own.get("a"):
            return Step("item", Item(str(own["id"]), str(own["text"]), ""), 0, 0)
    if note.get("done"):
        return Step("done")
    return Step("own_offer")


def _find(note: Dict[str, Any], item_id: Optional[str], language: str = "en") -> Optional[Item]:
    for item in items(language) + _own_items(note):
        if item.id == item_id:
            return item
    return None


def choices(step: Step) -> List[str]:
    """The answer codes offered for ``step`` (each becomes one button)."""
    if step.kind == "item":
        return ["yes", *(f"maybe:{k}" for k in _content()["maybe"]), "no", "stop"]
    if step.kind == "own_offer":
        return ["add", "finish"]
    if step.kind in ("condition", "own_item"):
        return ["stop"]
    return []


def title(code: str, language: str = "en") -> str:
    """The button title of an answer code, in ``language``."""
    if code.startswith("maybe:"):
        return str(words(language, "maybe", code.split(":", 1)[1]))
    if code in ("add", "finish"):
        return str(words(language, "own_item", code))
    return str(words(language, "answers", code))


def token(note: Dict[str, Any], item_id: str, code: str) -> str:
    """The opaque id of answering ``item_id`` with ``code`` in this list."""
    return sealed.opaque_id("closeness", note["salt"], item_id, code)


def buttons(note: Dict[str, Any], step: Step, language: str = "en") -> List[Dict[str, str]]:
    """Rasa buttons for ``step``: titles from content (in ``language``), payloads opaque."""
    item_id = step.item.id if step.item else step.kind
    return [{"title": title(code, language), "payload": f'{PICK}{{"private_token":"{token(note, item_id, code)}"}}'}
            for code in choices(step)]


def token_in(text: str) -> Optional[str]:
    """The opaque id in a pressed payload, if the text is one."""
    if not text.startswith(PICK):
        return None
    found = TOKEN_RE.search(text)
    return found.group(1) if found else None


def resolve(note: Dict[str, Any], pressed: str) -> Optional[Tuple[str, str]]:
    """(item id or step kind, answer code) that ``pressed`` stands for in this list; None if none."""
    targets = [(i.id, choices(Step("item", i))) for i in items() + _own_items(note)]
    targets += [("own_offer", ["add", "finish"]), ("condition", ["stop"]), ("own_item", ["stop"])]
    for target, codes in targets:
        for code in codes:
            if token(note, target, code) == pressed:
                return target, code
    return None


def typed_answer(text: str) -> Optional[str]:
    """``yes``, ``no`` or ``maybe`` when someone types one instead of pressing a button."""
    said = re.sub(r"[^\w\s'-]", "", text.casefold()).strip()
    for code, words in (_content().get("typed") or {}).items():
        if said in [str(w).casefold() for w in words]:
            return code
    return None


def clean_words(text: str) -> str:
    """A condition or own item as kept: one line, cut at a word."""
    limit = int(_content().get("max_words_chars") or 200)
    words = " ".join(str(text or "").split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] or words[:limit]


def answer(note: Dict[str, Any], item_id: str, code: str) -> Dict[str, Any]:
    """The note after answering ``item_id`` with ``code`` (``yes``, ``no``, ``maybe:<preset>``)."""
    entry: Dict[str, Any] = {"a": code.split(":", 1)[0]}
    pending = None
    if code.startswith("maybe:"):
        preset = code.split(":", 1)[1]
        if preset == "own":
            pending = {"kind": "condition", "item": item_id}
        else:
            entry["p"] = preset
    own = next((o for o in note.get("own") or [] if o["id"] == item_id), None)
    if own is not None:
        own.update(entry)
    else:
        note.setdefault("answers", {})[item_id] = entry
    note["pending"] = pending
    return note


def add_condition(note: Dict[str, Any], words: str) -> Dict[str, Any]:
    """The pending maybe gets the person's own words as its condition."""
    item_id = (note.get("pending") or {}).get("item")
    entry = next((o for o in note.get("own") or [] if o["id"] == item_id), None) or \
        (note.get("answers") or {}).get(item_id)
    if entry is not None:
        entry["w"] = clean_words(words)
    note["pending"] = None
    return note


def add_own(note: Dict[str, Any], words: str) -> Dict[str, Any]:
    """A new item of the person's own, to be sorted next."""
    own = note.setdefault("own", [])
    if len(own) < MAX_OWN:
        own.append({"id": f"o{len(own) + 1}", "text": clean_words(words)})
    note["pending"] = None
    return note


def _said(entry: Dict[str, Any], language: str = "en") -> Tuple[str, Optional[str]]:
    preset = entry.get("p")
    condition = entry.get("w") or (title(f"maybe:{preset}", language) if preset else None)
    return str(entry.get("a")), condition


def _same(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.casefold()).strip()


def overlap(mine: Dict[str, Any], theirs: Dict[str, Any], language: str = "en") -> List[Shared]:
    """What both put in yes or maybe (the project's items in order, then own items both added), in ``language``."""
    out: List[Shared] = []
    a, b = mine.get("answers") or {}, theirs.get("answers") or {}
    for item in items(language):
        if (a.get(item.id) or {}).get("a") in SHOWN and (b.get(item.id) or {}).get("a") in SHOWN:
            out.append(Shared(item.text, _said(a[item.id], language), _said(b[item.id], language)))
    their_own = {_same(o["text"]): o for o in theirs.get("own") or [] if o.get("a") in SHOWN}
    for own in mine.get("own") or []:
        match = their_own.get(_same(own["text"]))
        if own.get("a") in SHOWN and match is not None:
            out.append(Shared(own["text"], _said(own, language), _said(match, language)))
    return out
