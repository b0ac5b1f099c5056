"""The ``pdf`` action: render the job's invoice and keep it on the entry as a ``format`` file.

Config keys are the ones Invopop's templates use (spec invopop-api.md §5.1) and are checked
when the workflow is saved; the ``pdf-*`` job args override them (§5.3: job args win) and are
checked when the step runs, so a bad arg ends the step KO with the arg's path.

The QR comes from the envelope's ``head.stamps`` (``verifactu-qr``, which ``verifactu.generate``
adds, seed 002): the PDF prints exactly the URL the record was registered with, and an invoice
without the stamp prints no QR rather than one computed differently.

The file goes through the Silo's file service into the byte store the step resources hold
(``Storage``, as for ``verifactu.generate``); a rerun replaces it and keeps the old one in the
file's ``previous[]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from facturo.errors import Fault
from facturo.pdf import (
    InvalidLogo,
    Layout,
    NotAnInvoice,
    PdfOptions,
    QrBlock,
    load_logo,
    render_invoice,
)
from facturo.silo import service as silo_service
from facturo.silo.errors import EntryNotFound, FileTooLarge
from facturo.silo.service_files import NewFile, put_file
from facturo.silo.storage import Storage
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.verifactu import qr as vf_qr

ACTION: Final = "pdf"
QR_STAMP: Final = "verifactu-qr"
PDF_MIME: Final = "application/pdf"
FILE_KEY: Final = "pdf"
FILE_CATEGORY: Final = "format"

# KO codes, for conditions to match.
NO_ENTRY: Final = "entry.not_found"  # the job has no entry, or it is gone (as silo.if)
NOT_INVOICE: Final = "pdf.not_invoice"  # the entry holds another document type
INVALID_ARGS: Final = "pdf.invalid_args"  # a pdf-* job arg has a value the config refuses
NO_FILE_STORE: Final = "pdf.no_file_store"  # the server was started without a file store
TOO_LARGE: Final = "pdf.too_large"  # the PDF is over MAX_PDF_BYTES

#: Largest PDF kept (the Silo's default file limit); a 500-line invoice is under 100 KB.
MAX_PDF_BYTES: Final = 10 * 1024 * 1024

#: Job args that override config keys (spec §5.1), by arg name.
ARG_KEYS: Final = {
    "pdf-logo-url": "logo_url",
    "pdf-logo-height": "logo_height",
    "pdf-locale": "locale",
    "pdf-date-format": "date_format",
    "pdf-time-format": "time_format",
    "pdf-layout": "layout",
    "pdf-label": "label",
    "pdf-watermark": "watermark",
    "pdf-hide-promo": "hide_promo",
    "pdf-adjustment-mode": "adjustment_mode",
    "pdf-duplicate": "duplicate",
}

_LOCALE = r"^([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?)?$"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class PdfConfig(BaseModel):
    """The ``pdf`` step's config. Empty strings mean the locale's default, as in the Console.

    ``scripting`` and ``adjustment_mode`` are accepted so that Invopop's templates save, and
    have no effect: the renderer runs no scripts and prints GOBL's totals as they are.
    ``locale`` may name any language; those without a label table print in English.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    logo_height: int = Field(40, ge=1, le=400)
    logo_url: str = Field("", max_length=3_000_000)
    locale: str = Field("es", pattern=_LOCALE)
    date_format: str = Field("", max_length=64)
    time_format: str = Field("", max_length=64)
    layout: Layout = Layout.A4
    label: str = Field("", max_length=120)
    watermark: str = Field("", max_length=60)
    hide_promo: bool = False
    duplicate: bool = False
    scripting: bool = False
    adjustment_mode: str = Field("", max_length=32)
    currency_template: str = Field("", max_length=32)
    negative_template: str = Field("", max_length=32)
    thousands_separator: str = Field("", max_length=4)
    decimal_mark: str = Field("", max_length=4)

    @field_validator("layout", mode="before")
    @classmethod
    def _layout(cls, value: Any) -> Any:
        if isinstance(value, str):
            for layout in Layout:
                if layout.value.lower() == value.strip().lower():
                    return layout
        return value

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str) -> str:
        if value:
            try:
                load_logo(value)
            except InvalidLogo as exc:
                raise ValueError(exc.faults[0].message if exc.faults else exc.detail) from None
        return value

    def options(self) -> PdfOptions:
        """The renderer's options (the logo decoded; it was checked when validated)."""
        return PdfOptions(
            locale=self.locale or "es",
            layout=self.layout,
            date_format=self.date_format,
            time_format=self.time_format,
            label=self.label,
            watermark=self.watermark,
            duplicate=self.duplicate,
            logo=load_logo(self.logo_url) if self.logo_url else None,
            logo_height=self.logo_height,
            hide_promo=self.hide_promo,
            currency_template=self.currency_template,
            negative_template=self.negative_template,
            thousands_separator=self.thousands_separator,
            decimal_mark=self.decimal_mark,
        )


def with_args(config: PdfConfig, args: Mapping[str, str]) -> PdfConfig:
    """The config with the ``pdf-*`` job args applied; ValidationError locs name the config key."""
    overrides = {ARG_KEYS[name]: value for name, value in args.items() if name in ARG_KEYS}
    if not overrides:
        return config
    return PdfConfig.model_validate({**config.model_dump(), **overrides})


def qr_block(envelope: Mapping[str, Any]) -> QrBlock | None:
    """The QR to print: the envelope's ``verifactu-qr`` stamp, if it has one."""
    head = envelope.get("head")
    stamps = head.get("stamps") if isinstance(head, Mapping) else None
    for stamp in stamps if isinstance(stamps, list) else ():
        if isinstance(stamp, Mapping) and stamp.get("prv") == QR_STAMP and stamp.get("val"):
            url = str(stamp["val"])
            # NO VERI*FACTU records use ValidarQRNoVerifactu and carry no legend (spec §12).
            legend = None if "ValidarQRNoVerifactu" in url else vf_qr.LEGEND
            return QrBlock(url=url, legend=legend)
    return None


def file_name(envelope: Mapping[str, Any], fallback: str) -> str:
    """``SERIES-CODE.pdf``, reduced to characters every file system and mail client accepts."""
    doc = envelope.get("doc")
    doc = doc if isinstance(doc, Mapping) else {}
    number = "-".join(str(doc[k]) for k in ("series", "code") if doc.get(k))
    safe = _UNSAFE_NAME.sub("_", number).strip("._")[:100]
    return f"{safe or fallback}.pdf"


@provider(ACTION, config=PdfConfig, effect=Effect.PURE)
def pdf(ctx: StepContext, config: PdfConfig) -> StepResult:
    """Render the entry's invoice and store it as the ``format`` file with key ``pdf``."""
    entry_id = ctx.job.silo_entry_id
    if entry_id is None:
        return StepResult.ko(NO_ENTRY, "the job has no Silo entry to render")
    storage = ctx.resources.find(Storage)  # type: ignore[type-abstract]
    if storage is None:
        return StepResult.ko(NO_FILE_STORE, "no file store is configured for the pdf step")
    try:
        effective = with_args(config, ctx.job.args)
    except ValidationError as exc:
        return _bad_args(exc)
    try:
        entry = silo_service.get_entry(
            ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=entry_id
        )
    except EntryNotFound as exc:
        return StepResult.ko(NO_ENTRY, exc.detail)
    try:
        data = render_invoice(
            entry.data, options=effective.options(), qr=qr_block(entry.data), now=ctx.now
        )
    except NotAnInvoice as exc:
        return StepResult.ko(NOT_INVOICE, exc.detail, paths=("$.doc.$schema",))
    except InvalidLogo as exc:
        return StepResult.ko(INVALID_ARGS, exc.detail, faults=exc.faults)
    try:
        put_file(
            ctx.uow,
            storage,
            workspace_id=ctx.job.workspace_id,
            entry_id=entry_id,
            spec=NewFile(
                name=file_name(entry.data, str(entry_id)),
                data=data,
                key=FILE_KEY,
                category=FILE_CATEGORY,
                mime=PDF_MIME,
            ),
            max_bytes=MAX_PDF_BYTES,
            now=ctx.now,
        )
    except FileTooLarge as exc:
        return StepResult.ko(TOO_LARGE, exc.detail)
    ctx.log.info("pdf.rendered", extra={"entry_id": str(entry_id), "size": len(data)})
    return StepResult.ok()


def _bad_args(exc: ValidationError) -> StepResult:
    by_key = {key: arg for arg, key in ARG_KEYS.items()}
    faults = []
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else ""
        arg = by_key.get(key, key)
        faults.append(Fault(INVALID_ARGS, f"{arg}: {error['msg']}", (f"$.args.{arg}",), ACTION))
    first = faults[0]
    return StepResult.ko(INVALID_ARGS, first.message, paths=first.paths, faults=tuple(faults[1:]))


__all__ = [
    "ACTION",
    "ARG_KEYS",
    "INVALID_ARGS",
    "MAX_PDF_BYTES",
    "NOT_INVOICE",
    "NO_ENTRY",
    "NO_FILE_STORE",
    "TOO_LARGE",
    "PdfConfig",
    "file_name",
    "pdf",
    "qr_block",
    "with_args",
]
