"""Is this answer a TwiML document Twilio would execute? Status, type, size, elements, nesting.

The element, attribute and nesting whitelist is Twilio's Python helper library's generated
builder (`data/twiml-helper-attributes.json`, see `data/README.md`): the closest public
projection of Twilio's own TwiML spec.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).parent / "data" / "twiml-helper-attributes.json"

# Twilio refuses a webhook answer over 64 kB (error 11750, "TwiML response body too large";
# https://www.twilio.com/docs/api/errors/11750).
MAX_TWIML_BYTES = 64 * 1024

# Twilio reads a webhook answer as TwiML only for these types
# (https://www.twilio.com/docs/voice/twiml#twilios-response-to-mime-types); text/plain would be
# read aloud and audio/* played, neither of which this line means to do.
XML_TYPES = frozenset({"text/xml", "application/xml"})


# ElementTree spells SSML's xml:lang as {namespace}lang.
XML_NAMESPACE = "{http://www.w3.org/XML/1998/namespace}"


@dataclass(frozen=True)
class ElementSpec:
    name: str
    tag: str
    attributes: frozenset[str]
    children: tuple[str, ...]  # class names
    has_text: bool


@cache
def voice_spec() -> dict[str, ElementSpec]:
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["voice"]
    return {
        name: ElementSpec(
            name=name,
            tag=entry["element"],
            attributes=frozenset(entry["attributes"]),
            children=tuple(entry["children"]),
            has_text=entry["text_content_param"] is not None,
        )
        for name, entry in raw.items()
    }


def _known_tags() -> frozenset[str]:
    return frozenset(spec.tag for spec in voice_spec().values())


def check_reply(status: int, content_type: str, body: bytes) -> list[str]:
    """Problems with the HTTP envelope of a webhook answer (not its XML)."""
    if status == 0:
        reason = body.decode("utf-8", "replace")[:300]
        return [f"no answer: the request failed or timed out ({reason})"]
    if status != 200:
        return [f"HTTP status {status}, expected 200"]
    problems = []
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in XML_TYPES:
        problems.append(f"Content-Type {content_type!r} is not an XML type")
    if len(body) > MAX_TWIML_BYTES:
        problems.append(f"TwiML is {len(body)} bytes, over Twilio's limit of {MAX_TWIML_BYTES}")
    return problems


def parse_twiml(body: bytes) -> tuple[ET.Element | None, list[str]]:
    """The document's root and every structural problem in it."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        return None, [f"malformed XML: {exc}"]
    if root.tag != "Response":
        return root, [f"root element is <{root.tag}>, expected <Response>"]
    problems: list[str] = []
    _check_element(root, voice_spec()["VoiceResponse"], "Response", problems)
    return root, problems


def _check_element(element: ET.Element, spec: ElementSpec, path: str, problems: list[str]) -> None:
    for attribute in element.attrib:
        attribute = attribute.replace(XML_NAMESPACE, "xml:")
        if attribute not in spec.attributes:
            problems.append(f"{path}: unknown attribute {attribute!r}")
    if not spec.has_text and (element.text or "").strip():
        problems.append(f"{path}: <{spec.tag}> takes no text")
    by_tag = {voice_spec()[name].tag: voice_spec()[name] for name in spec.children}
    for index, child in enumerate(element):
        child_path = f"{path}/{child.tag}[{index}]"
        child_spec = by_tag.get(child.tag)
        if child_spec is None:
            if child.tag in _known_tags():
                problems.append(f"{child_path}: <{child.tag}> may not be nested in <{spec.tag}>")
            else:
                problems.append(f"{child_path}: unknown element <{child.tag}>")
            continue
        _check_element(child, child_spec, child_path, problems)
        if (child.tail or "").strip() and not spec.has_text:
            problems.append(f"{child_path}: stray text after <{child.tag}>")
