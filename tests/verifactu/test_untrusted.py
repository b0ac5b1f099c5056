"""Hostile XML never crashes, hangs or reaches the file system or the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from facturo.errors import BadRequest
from facturo.verifactu import xml
from facturo.verifactu.errors import UntrustedXmlError
from facturo.verifactu.replies import parse_reply

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def external_entity(target: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{target}">]><r>&x;</r>').encode()


HOSTILE = {
    "billion-laughs": BILLION_LAUGHS,
    "external-file": external_entity("file:///etc/passwd"),
    "external-network": external_entity("http://127.0.0.1:9/x"),
    "parameter-entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><r/>',
    "doctype-late": b"<?xml version='1.0'?>" + b" " * 5000 + b"<!DOCTYPE r><r/>",
    "utf16-doctype": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    ).encode("utf-16"),
    "truncated": (
        Path(__file__).parent / "data/samples/03-respuesta-regfactu-parcialmente-correcto.xml"
    ).read_bytes()[:700],
    "not-xml": b"HTTP/1.1 502 Bad Gateway",
    "empty": b"",
    "deep-nesting": b"<a>" * 100_000 + b"</a>" * 100_000,
    "wrong-encoding": b'<?xml version="1.0" encoding="UTF-8"?><r>\xff\xfe</r>',
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_raises_untrusted_xml_error(data: bytes) -> None:
    with pytest.raises(UntrustedXmlError):
        xml.parse_untrusted(data)
    with pytest.raises(UntrustedXmlError):
        parse_reply(data)


def test_input_over_the_limit_is_refused_before_parsing() -> None:
    huge = b"<r>" + b"a" * (2 * 1024 * 1024) + b"</r>"
    with pytest.raises(UntrustedXmlError, match="larger"):
        xml.parse_untrusted(huge, max_bytes=1024 * 1024)
    assert xml.parse_untrusted(huge).tag == "r"  # under the default limit it is fine


def test_default_limit_stops_a_huge_body() -> None:
    with pytest.raises(UntrustedXmlError, match="larger"):
        xml.parse_untrusted(b" " * (xml.MAX_XML_BYTES + 1))


def test_text_is_refused() -> None:
    with pytest.raises(UntrustedXmlError, match="bytes"):
        xml.parse_untrusted("<r/>")  # type: ignore[arg-type]


def test_untrusted_xml_error_is_a_bad_request() -> None:
    assert issubclass(UntrustedXmlError, BadRequest)


def test_plain_xml_parses() -> None:
    root = xml.parse_untrusted(b"<?xml version='1.0' encoding='UTF-8'?><r a='1'>caf\xc3\xa9</r>")
    assert root.text == "café"
