"""Go template semantics, case by case, and every template the real workflows carry."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.errors import Fault
from facturo.mail.templates import TemplateError, TemplateSyntaxError, looks_like_html, parse
from facturo.mail.variables import JobFacts, template_data

SHARED = Path(__file__).resolve().parents[3] / "shared"
WORKFLOWS = SHARED / "data" / "invopop" / "workflows"
CATALOGUE = SHARED / "data" / "invopop" / "catalogue" / "actions.json"
INVOICE = SHARED / "data" / "invopop" / "gobl" / "es-verifactu-b2b-invoice.built.json"

DATA: dict[str, Any] = {
    "name": "Ana",
    "empty": "",
    "zero": 0,
    "n": Decimal("3.14159"),
    "items": ["a", "b", "c"],
    "lines": [{"name": "Dev", "total": "90.00"}, {"name": "Ops", "total": "10.00"}],
    "map": {"b": 2, "a": 1},
    "args": {"payment_link": "https://pay.example/1"},
    "flag": True,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hello {{.name}}!", "Hello Ana!"),
        ("{{ .name }}", "Ana"),
        ("{{.missing}}|{{.missing.deeper}}", "|"),
        (
            "{{args.payment_link}} {{.args.payment_link}}",
            "https://pay.example/1 https://pay.example/1",
        ),
        ("a  {{- .name -}}  b", "aAnab"),
        ("a {{/* note */}} b", "a  b"),
        ("a {{- /* note */ -}} b", "ab"),
        ("{{if .name}}yes{{else}}no{{end}}", "yes"),
        ("{{if .empty}}yes{{else if .zero}}zero{{else}}no{{end}}", "no"),
        ("{{if not .flag}}a{{else}}b{{end}}", "b"),
        ("{{if and .name .zero}}a{{else}}b{{end}}", "b"),
        ("{{or .empty .name}}", "Ana"),
        ("{{and .name .zero}}", "0"),
        ("{{with .name}}<{{.}}>{{else}}none{{end}}", "<Ana>"),
        ("{{with .missing}}x{{else}}none{{end}}", "none"),
        ("{{range .items}}[{{.}}]{{end}}", "[a][b][c]"),
        ("{{range $i, $l := .lines}}{{$i}}:{{$l.name}} {{end}}", "0:Dev 1:Ops "),
        ("{{range .map}}{{.}}{{end}}", "12"),
        ("{{range $k, $v := .map}}{{$k}}={{$v}};{{end}}", "a=1;b=2;"),
        ("{{range .missing}}x{{else}}empty{{end}}", "empty"),
        ('{{range .items}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', "a"),
        ('{{range .items}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', "ac"),
        ("{{range 3}}{{.}}{{end}}", "012"),
        ('{{$x := .name}}{{$x}}{{$x = "Bo"}}{{$x}}', "AnaBo"),
        ("{{range .items}}{{$.name}}{{end}}", "AnaAnaAna"),
        ("{{.items}} {{.map}}", "[a b c] map[a:1 b:2]"),
        ("{{.flag}} {{.zero}} {{.n}}", "true 0 3.14159"),
        ('{{len .items}} {{len .name}} {{len "ñ"}}', "3 3 2"),
        ('{{index .items 1}} {{index .map "b"}} {{(index .lines 1).name}}', "b 2 Ops"),
        ("{{slice .items 1}} {{slice .name 0 2}}", "[b c] An"),
        ('{{eq .name "Bo" "Ana"}} {{ne 1 2}} {{lt 1 2}} {{ge .n 3}}', "true true true true"),
        ('{{printf "%s has %d items" .name (len .items)}}', "Ana has 3 items"),
        (
            '{{printf "%.2f|%5.1f|%-5s|%5s|%q|%v|%x|%t|%%" .n .n "ab" "cd" "q" .items 255 true}}',
            '3.14|  3.1|ab   |   cd|"q"|[a b c]|ff|true|%',
        ),
        (
            '{{printf "%d" "x"}} {{printf "%s"}} {{printf "a" 1}}',
            "%!d(string=x) %!s(MISSING) a%!(EXTRA int=1)",
        ),
        ('{{.name | printf "%s!"}}', "Ana!"),
        ('{{.name | printf "%s-%s" "x"}}', "x-Ana"),
        ('{{print 1 2 "a" "b" 3}} {{println "a" 1}}', "1 2ab3 a 1\n"),
        (
            '{{html "<a href=\'x\'>&"}} {{urlquery "a b&c"}} {{js "it\'s <b>"}}',
            "&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c it\\'s \\u003Cb\\u003E",
        ),
        ("{{\"\\u00e9\\t\"}}{{`raw\\n`}}{{'a'}} {{0x10}} {{-3}} {{1.5}}", "é\traw\\n97 16 -3 1.5"),
        ("{{if eq .zero 0}}z{{end}}", "z"),
        ('{{ "}}" }}', "}}"),
    ],
)
def test_renders_like_go(source: str, expected: str) -> None:
    assert parse(source, html=False).render(DATA) == expected


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("Hi {{.name", 1, "unclosed action"),
        ("{{if .x}}open", 1, "unexpected EOF: {{if}} has no {{end}}"),
        ("a\n\n{{end}}", 3, "unexpected {{end}}"),
        ("{{else}}", 1, "unexpected {{else}}"),
        ("{{range .x}}{{else if .y}}{{end}}", 1, "expected {{end}} or {{else if ...}}"),
        ("{{nosuch .x}}", 1, 'function "nosuch" not defined'),
        ("x\n{{$y}}", 2, "undefined variable: $y"),
        ("{{$y = 1}}", 1, "undefined variable: $y"),
        ("{{if .a}}{{$v := 1}}{{end}}{{$v}}", 1, "undefined variable: $v"),
        (
            '{{define "x"}}{{end}}',
            1,
            "{{define}} is not supported: an e-mail field is one template",
        ),
        ('{{template "x"}}', 1, "{{template}} is not supported: an e-mail field is one template"),
        ("{{break}}", 1, "{{break}} outside {{range}}"),
        ("{{.a | .b}}", 1, "non executable command in pipeline stage"),
        ("{{.a .b}}", 1, "can't give argument to non-function"),
        ("{{}}", 1, "missing value for command"),
        ("{{/* open", 1, "unclosed comment"),
        ("{{.a ~}}", 1, "unexpected '~' in action"),
        ('{{"\\q"}}', 1, "unknown escape \\q in string"),
        ("{{(.a}}", 1, "unclosed left paren"),
        ("one\ntwo {{if .x}}\n{{else}}{{else}}{{end}}", 3, "unexpected {{else}}"),
    ],
)
def test_malformed_templates_name_the_line_and_reason(source: str, line: int, reason: str) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse(source)
    assert (caught.value.line, caught.value.reason) == (line, reason)


@pytest.mark.parametrize(
    "source",
    [
        "{{index .items 7}}",
        "{{.name.first}}",
        "{{lt .name 1}}",
        "{{len .zero}}",
        "{{range .name}}{{end}}",
        "{{not 1 2}}",
        "{{args 1}}",
    ],
)
def test_values_that_do_not_fit_raise_template_error(source: str) -> None:
    with pytest.raises(TemplateError):
        parse(source, html=False).render(DATA)


def test_html_bodies_are_escaped_as_html_template_does() -> None:
    source = '<p>Hi {{.name}}</p><a href="{{.url}}">pay</a> <a href="{{.bad}}">x</a>'
    template = parse(source)
    assert template.html is True
    out = template.render(
        {
            "name": "<b>O'Brien & co+</b>",
            "url": "https://pay.example/a b?x=1",
            "bad": "javascript:alert(1)",
        }
    )
    assert out == (
        "<p>Hi &lt;b&gt;O&#39;Brien &amp; co&#43;&lt;/b&gt;</p>"
        '<a href="https://pay.example/a%20b?x=1">pay</a> <a href="#ZgotmplZ">x</a>'
    )


def test_plain_bodies_are_not_escaped() -> None:
    assert parse("Hi {{.name}} & <3").html is False
    assert parse("Hi {{.name}}").render({"name": "<b>"}) == "Hi <b>"
    assert looks_like_html("Hello<br>there") is True
    assert looks_like_html("1 < 2 and 3 > 2") is False


def _email_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for step in items:
            if str(step.get("provider") or step.get("action") or "").startswith("email"):
                steps.append(step)
            for block in step.get("next") or []:
                walk(block.get("steps") or [])

    for path in sorted(WORKFLOWS.rglob("*.json")):
        document = json.loads(path.read_text())
        if isinstance(document, dict):
            walk(document.get("steps") or [])
            walk(document.get("rescue") or [])
    return steps


def _envelope() -> dict[str, Any]:
    return {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {},
        "doc": json.loads(INVOICE.read_text()),
    }


def test_the_stripe_rescue_template_renders_the_code_and_the_faults() -> None:
    [step] = _email_steps()  # the one e-mail step in the exported workflows (stripe-peppol)
    body = base64.b64decode(step["config"]["body"]).decode()
    assert body == "This invoice ({{.full_code}}) failed with error: {{.faults}}"
    job = JobFacts(
        job_id="j",
        silo_entry_id="e",
        key="",
        args={},
        faults=(
            Fault("receiver-not-found", "receiver not found in the peppol network", (), "peppol"),
        ),
    )
    data = template_data(_envelope(), job)
    assert parse(body).render(data) == (
        "This invoice (SAMPLE-004) failed with error: "
        "peppol: receiver not found in the peppol network (receiver-not-found)"
    )
    assert parse(step["config"]["subject"]).render(data) == "The invoice failed - check invopop"


def test_the_catalogue_templates_render() -> None:
    actions = {a["action"]: a for a in json.loads(CATALOGUE.read_text())["actions"]}
    subjects = [
        json.loads(example)
        for name in ("email", "email.send", "email.notify")
        for example in actions[name]["config_keys_seen"]["subject"]["examples"]
    ]
    bodies = [
        base64.b64decode(json.loads(example)).decode()
        for name in ("email.send", "email.notify")
        for example in actions[name]["config_keys_seen"]["body"]["examples"]
    ]
    data = template_data(
        _envelope(), JobFacts("j", "e", "", {}, (Fault("4107", "NIF no censado"),))
    )
    rendered = [parse(s).render(data) for s in subjects + bodies]
    assert rendered == [
        "Invoice SAMPLE-004 from Invopop S.L.",
        "The invoice failed - check invopop",
        "[Important] Register to issue invoices through VERI*FACTU ",
        "This invoice (SAMPLE-004) failed with error: NIF no censado (4107)",
        "",
        "NIF no censado (4107)",
    ]


def test_documented_variables_come_from_the_envelope_and_the_job() -> None:
    data = template_data(
        _envelope(), JobFacts("job-1", "entry-1", "key-1", {"payment_link": "https://p"}, ())
    )
    template = parse(
        "{{.full_code}}|{{.series}}|{{.code}}|{{.customer_name}}|{{.customer_tax_id}}|"
        "{{.supplier_name}}|{{.issue_date}}|{{.currency}}|{{.total}}|{{.payable}}|{{.tax}}|"
        "{{args.payment_link}}|{{.job_id}}|{{.silo_entry_id}}|{{.key}}|{{.schema}}|{{.faults}}|"
        "{{.doc.lines | len}}"
    )
    assert template.render(data) == (
        "SAMPLE-004|SAMPLE|004|Sample Consumer|ESB63272603|Invopop S.L.|2024-11-13|EUR|"
        "2178.00|2178.00|378.00|https://p|job-1|entry-1|key-1|bill/invoice||1"
    )


def test_faults_can_be_ranged_over() -> None:
    data = template_data(
        None, JobFacts("j", "", "", {}, (Fault("1100", "NIF con prefijo", ("$.a",), "verifactu"),))
    )
    out = parse(
        "{{range .faults}}{{.provider}}/{{.code}}/{{.message}}/{{index .paths 0}}{{end}}"
    ).render(data)
    assert out == "verifactu/1100/NIF con prefijo/$.a"
