"""vCard 2.1, 3.0 and 4.0 files: one ParsedRow per card, streamed.

Our own reader rather than `vobject`: vobject 0.9.9 stops on four of the thirteen real test
files (vCard 2.1 quoted-printable soft line breaks from Android and Outlook, a UTF-8
character cut across such a break, a Lotus Notes PROFILE line), and one bad card must never
stop a file. Cards are cut on BEGIN:VCARD / END:VCARD lines, so memory holds one card.

Each card is decoded on its own: UTF-8 when it is valid UTF-8, else the first CHARSET named
in the card (Windows-1253 Greek cards name it only on some properties), else Windows-1252.
Understood: line folding (3.0/4.0), quoted-printable with its soft line breaks and CHARSET
(2.1), bare 2.1 parameters (`TEL;WORK;VOICE`), Apple `item1.` groups and their labels,
escapes (`\\,` `\\;` `\\n`), base64 and binary properties (skipped).
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bascule.accounts.identity import check_email, check_phone
from bascule.imports.countries import country_code
from bascule.imports.rows import ROW, FileReport, ParsedRow
from bascule.imports.text import FALLBACK, LINE_LIMIT
from bascule.imports.values import FULL_NAME, clean_fields, is_undecodable, tidy

CARD_LIMIT = 4 * 1024 * 1024  # bytes in one card, photos included
NAMELESS = "vCard without a name, e-mail or company"
BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
# Kept out of raw: bookkeeping, and Outlook's business-card layout.
NOT_KEPT = frozenset({"VERSION", "PRODID", "REV", "X-ABLABEL", "X-MS-OL-DESIGN"})
_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "QP", "BASE64", "B", "8BIT", "7BIT"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CHARSET = re.compile(rb"CHARSET=\"?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_AGENT = re.compile(rb"\s*(?:[\w-]+\.)?AGENT(?:;[^:]*)?:\s*$", re.IGNORECASE)
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


@dataclass(slots=True)
class Property:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str  # transfer encoding and charset undone; vCard escapes still there
    types: frozenset[str] = field(default_factory=frozenset)


def open_vcard(
    lines: Iterator[bytes | None], report: FileReport, *, default_region: str = "FR"
) -> Iterator[ParsedRow]:
    """The cards of a file, in order; `number` is the card's position in the file."""
    fallbacks: list[str] = []
    for number, data, problem in _cards(lines, report):
        text, charset = _decode(b"".join(data))
        if charset != "utf-8":
            fallbacks.append(f"{number} ({charset})")
        try:
            row = _card_row(number, text, charset, default_region)
        except (ValueError, UnicodeError, LookupError, binascii.Error) as exc:
            row = ParsedRow(number, {}, [(ROW, f"vCard could not be read: {exc}")], {})
        if problem:
            row.errors.append((ROW, f"vCard {problem}"))
        report.rows += 1
        report.rejected_rows += row.rejected
        yield row
    if fallbacks:
        shown = ", ".join(fallbacks[:10]) + (", ..." if len(fallbacks) > 10 else "")
        report.notes.append(f"Cards not in UTF-8, read in the charset they name: {shown}.")
    if report.rows == 0:
        report.notes.append("The file has no vCard (no BEGIN:VCARD line).")
    report.finished = True


def _cards(
    lines: Iterator[bytes | None], report: FileReport
) -> Iterator[tuple[int, list[bytes], str | None]]:
    """(card number, its lines between BEGIN and END, problem or None)."""
    number, depth, size = 0, 0, 0
    card: list[bytes] | None = None
    too_big = False
    outside = skipped = 0
    for line in lines:
        if line is None:
            skipped += 1
            continue
        key = line.strip().upper()
        if card is None:
            if key == b"BEGIN:VCARD":
                number, card, size, depth, too_big = number + 1, [], 0, 0, False
            elif key:
                outside += 1
            continue
        if key == b"BEGIN:VCARD":
            if card and _AGENT.match(card[-1]):
                depth += 1  # a 2.1 AGENT: a card inside the card
                card.append(line)
                continue
            yield number, card, "has no END:VCARD before the next BEGIN:VCARD"
            number, card, size, depth, too_big = number + 1, [], 0, 0, False
            continue
        if key == b"END:VCARD":
            if depth:
                depth -= 1
                card.append(line)
                continue
            yield number, card, (f"is larger than {CARD_LIMIT >> 20} MB" if too_big else None)
            card = None
            continue
        size += len(line)
        if size > CARD_LIMIT:
            too_big, card = True, []
        if not too_big:
            card.append(line)
    if card is not None:
        yield number, card, "is cut: the file ends before its END:VCARD (truncated file?)"
    if outside:
        report.notes.append(f"{outside} lines outside any vCard were ignored.")
    if skipped:
        report.notes.append(f"{skipped} lines longer than {LINE_LIMIT >> 20} MB were skipped.")


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for match in _CHARSET.finditer(data):
        try:
            name = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            continue
        if name not in ("utf-8", "ascii"):  # neither explains bytes that are not UTF-8
            return data.decode(name, "replace"), name
    return data.decode(FALLBACK, "replace"), FALLBACK


def _card_row(number: int, text: str, charset: str, default_region: str) -> ParsedRow:
    properties, unparsed = _properties(text, charset)
    labels = _labels(properties)
    for p in properties:  # Apple keeps a fax's kind in its label: item1.X-ABLabel:homeFax
        if "fax" in labels.get(p.group, "").lower():
            p.types |= {"FAX"}
    texts: dict[str, str] = {}
    used: set[int] = set()

    def first(name: str) -> tuple[int, Property] | None:
        return next(((i, p) for i, p in enumerate(properties) if p.name == name), None)

    if found := first("N"):
        used.add(found[0])
        parts = [*components(found[1].value), "", ""]
        texts["last_name"], texts["first_name"] = parts[0], parts[1]
    if found := first("FN"):
        used.add(found[0])
        texts[FULL_NAME] = unescape(found[1].value)
    if found := first("ORG"):
        used.add(found[0])
        texts["company"] = components(found[1].value)[0]
    if found := first("TITLE"):
        used.add(found[0])
        texts["job_title"] = unescape(found[1].value)
    addresses = [p for p in properties if p.name == "ADR"]
    if addresses:
        address = max(addresses, key=lambda p: 2 * ("WORK" in p.types) + ("PREF" in p.types))
        parts = components(address.value)
        if len(parts) > 6 and parts[6].strip():
            texts["country"] = parts[6]
    region = country_code(texts.get("country", "")) or default_region

    emails = _ranked(properties, "EMAIL", _email_rank)
    if emails:
        chosen = next((i for i in emails if check_email(_plain(properties[i]))[0]), emails[0])
        used.add(chosen)
        texts["email"] = _plain(properties[chosen])
    phones = _ranked(properties, "TEL", _phone_rank)
    if phones:
        numbers = {i: _plain(properties[i]).removeprefix("tel:") for i in phones}
        chosen = next((i for i in phones if check_phone(numbers[i], region)[0]), phones[0])
        used.add(chosen)
        texts["phone"] = _plain(properties[chosen])

    values, errors = clean_fields(texts, default_region=default_region, nameless=NAMELESS)
    raw, extra = _raw(properties, used, labels)
    # A value refused for bytes that are not text is kept as read, under its field's name.
    extra.update({f: text for f, text in texts.items() if is_undecodable(text)})
    if unparsed:
        raw["(unparsed)"] = extra["(unparsed)"] = "\n".join(unparsed)
    return ParsedRow(number, values, errors, raw, extra)


def _email_rank(p: Property) -> int:
    types = p.types
    return 4 * ("WORK" in types) + 2 * ("PREF" in types) + ("HOME" not in types)


def _phone_rank(p: Property) -> int:
    types = p.types
    if types & {"FAX", "PAGER"}:
        return -1
    return 8 * ("WORK" in types) + 4 * ("PREF" in types) + 2 * ("CELL" in types) - ("HOME" in types)


def _ranked(properties: list[Property], name: str, rank: Callable[[Property], int]) -> list[int]:
    scored = [(rank(p), i) for i, p in enumerate(properties) if p.name == name and p.value.strip()]
    return [i for score, i in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= 0]


def _plain(p: Property) -> str:
    return unescape(p.value).strip()


def _labels(properties: list[Property]) -> dict[str, str]:
    """Apple's labels of grouped properties, "_$!<HomePage>!$_" read as "HomePage"."""
    return {
        p.group: unescape(p.value).removeprefix("_$!<").removesuffix(">!$_")
        for p in properties
        if p.name == "X-ABLABEL" and p.group
    }


def _raw(
    properties: list[Property], used: set[int], labels: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    raw: dict[str, str] = {}
    extra: dict[str, str] = {}
    for index, p in enumerate(properties):
        if p.name in NOT_KEPT or p.name in BINARY:
            continue
        key = p.name
        if p.types:
            key += ";" + ",".join(sorted(t.lower() for t in p.types))
        if labels.get(p.group):
            key += f" ({labels[p.group]})"
        base, count = key, 1
        while key in raw:
            count += 1
            key = f"{base} ({count})"
        structured = p.name in ("N", "ADR", "ORG")
        value = ";".join(components(p.value)) if structured else unescape(p.value)
        raw[key] = value
        if index not in used and value.strip():
            extra[key] = value
    return raw, extra


def _properties(text: str, charset: str) -> tuple[list[Property], list[str]]:
    logical: list[str] = []
    for line in _LINE_BREAK.split(text):
        if logical and _soft_break(logical[-1]):
            logical[-1] = logical[-1][:-1] + line
        elif logical and line[:1] in (" ", "\t"):
            logical[-1] += line[1:]
        elif line.strip():
            logical.append(line)
    properties: list[Property] = []
    unparsed: list[str] = []
    depth = 0  # inside an AGENT's card
    for line in logical:
        p = _parse_line(line, charset)
        if p is None:
            unparsed.append(line)
        elif p.name in ("BEGIN", "END"):
            depth += 1 if p.name == "BEGIN" else -1
        elif depth <= 0:
            properties.append(p)
    return properties, unparsed


def _soft_break(line: str) -> bool:
    """A quoted-printable value ending in `=` goes on at the next line (vCard 2.1)."""
    if not line.endswith("="):
        return False
    colon = line.find(":")
    return colon > 0 and "QUOTED-PRINTABLE" in line[:colon].upper()


def _parse_line(line: str, charset: str) -> Property | None:
    """`[group.]NAME[;param...]:value`, or None when the line is not a property."""
    colon = _find_outside_quotes(line, ":")
    if colon <= 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    parts = _split_outside_quotes(head, ";")
    group, _, name = parts[0].strip().rpartition(".")
    name = name.upper()
    if not name or not re.fullmatch(r"[A-Z0-9_-]+", name):
        return None
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, equals, given = part.partition("=")
        if equals:
            key = key.strip().upper()
            found = [v.strip().strip('"') for v in _split_outside_quotes(given, ",")]
        else:  # vCard 2.1: a bare TYPE or ENCODING value
            found = [key.strip().upper()]
            key = "ENCODING" if found[0] in _ENCODINGS else "TYPE"
        params.setdefault(key, []).extend(v for v in found if v)
    types = frozenset(
        t.strip().upper() for v in params.get("TYPE", []) for t in v.split(",") if t.strip()
    )
    if "PREF" in params:
        types |= {"PREF"}
    encoding = (params.get("ENCODING") or [""])[0].upper()
    if name in BINARY or encoding in ("B", "BASE64"):
        value = ""
    elif encoding in ("QUOTED-PRINTABLE", "QP"):
        declared = params["CHARSET"][0] if params.get("CHARSET") else None
        value = _quoted_printable(value, declared, charset)
    return Property(group, name, params, value, types)


def _quoted_printable(value: str, declared: str | None, charset: str) -> str:
    data = binascii.a2b_qp(value.encode(charset, "replace"))
    for name in (declared, charset, "utf-8"):
        if name:
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode(FALLBACK, "replace")


def _find_outside_quotes(text: str, char: str) -> int:
    quoted = False
    for index, current in enumerate(text):
        if current == '"':
            quoted = not quoted
        elif current == char and not quoted:
            return index
    return -1


def _split_outside_quotes(text: str, char: str) -> list[str]:
    parts: list[str] = []
    while (index := _find_outside_quotes(text, char)) >= 0:
        parts.append(text[:index])
        text = text[index + 1 :]
    parts.append(text)
    return parts


def unescape(text: str) -> str:
    r"""A vCard text value: `\n` is a line break, `\,` `\;` `\\` the character itself."""
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def components(value: str) -> list[str]:
    """The parts of a structured value (N, ADR, ORG), split on `;` that are not escaped."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(_ESCAPES.get(following := next(chars, ""), "\\" + following))
        elif char == ";":
            parts.append(tidy("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(tidy("".join(current)))
    return parts
