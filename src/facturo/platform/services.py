"""What a serving process runs besides the API: step resources and background services.

``facturo serve`` (one process on SQLite, the embedded default) and ``facturo worker`` (any number
of processes on PostgreSQL) both build the same step resources from settings, so a workflow step
behaves the same wherever it runs. The background services differ:

- ``serve`` starts the job workers (``worker_threads``), the webhook dispatcher, the local AEAT
  sandbox (when ``aeat_environment`` is ``sandbox``) and the local SMTP sink (``smtp_url=sink``);
- ``worker`` starts only the job workers and the webhook dispatcher.

Each service is started once and stopped in reverse order, so a shutdown never cuts a running
step short: the workers finish their step and checkpoint before the rest goes away.

A sandbox or sink port of 0 binds a free port (tests run many platforms side by side); the
runtime's settings then name the port bound, so nothing picks a port and binds it later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from facturo import __version__
from facturo.gobl.dsig import PrivateKey
from facturo.platform import secrets
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.transform.steps.base import Resources
from facturo.transform.steps.verifactu_setup import VerifactuSetup
from facturo.verifactu.qr import Environment
from facturo.verifactu.records import SistemaInformatico

SANDBOX_PRODUCER_NIF = "B12345674"
"""The software producer's NIF AEAT's own samples use; only ever sent to the sandbox or test."""


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class Background:
    """The services a process started, stopped in reverse order."""

    started: list[tuple[str, Stoppable]] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(label, text) lines for the start-up banner."""

    def add(self, name: str, service: Stoppable, note: str = "") -> None:
        self.started.append((name, service))
        if note:
            self.notes.append((name, note))

    def stop(self) -> None:
        for _name, service in reversed(self.started):
            service.stop()
        self.started.clear()
        for close in reversed(self.closers):
            close()
        self.closers.clear()


def aeat_url(settings: Settings) -> str:
    """The VERI*FACTU SOAP endpoint: explicit, the local sandbox, or AEAT's own (from the WSDL)."""
    if settings.aeat_url:
        return settings.aeat_url
    if settings.aeat_environment == "sandbox":
        return (
            f"http://127.0.0.1:{settings.aeat_sandbox_port}"
            "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
        )
    return ""


def qr_service_root(settings: Settings) -> str | None:
    """Where invoice QR URLs point instead of AEAT: the sandbox's cotejo service, or ``None``.

    In the ``sandbox`` environment only the local sandbox knows the records, so a QR pointing
    at AEAT's test host could only answer "not found"; pointing at the sandbox (the origin of
    the SOAP endpoint in use, which serves ``/wlpl/TIKE-CONT/ValidarQR`` too) lets a developer
    open the QR of an invoice made by ``make serve`` and see it checked. ``test`` and
    ``production`` keep AEAT's hosts, byte for byte.
    """
    if settings.aeat_environment != "sandbox":
        return None
    parts = urlsplit(aeat_url(settings))
    return f"{parts.scheme}://{parts.netloc}/wlpl/TIKE-CONT/"


def verifactu_setup(settings: Settings) -> VerifactuSetup:
    """The installation's SIF identity and QR environment for the VERI*FACTU steps."""
    production = settings.aeat_environment == "production"
    nif = settings.verifactu_producer_nif or ("" if production else SANDBOX_PRODUCER_NIF)
    sistema = SistemaInformatico(
        nombre_razon=settings.verifactu_producer_name,
        nif=nif or None,
        nombre_sistema_informatico="Facturo",
        id_sistema_informatico="FT",
        version=__version__,
        numero_instalacion="1",
    )
    return VerifactuSetup(
        sistema,
        Environment.PRODUCTION if production else Environment.TEST,
        qr_service_root=qr_service_root(settings),
    )


def step_resources(settings: Settings, background: Background) -> Resources:
    """Every long-lived object a step provider may ask for, built from settings."""
    import httpx

    from facturo.mail.sender import MailSender
    from facturo.silo import storage
    from facturo.transform.steps.email_send import MailFiles
    from facturo.transform.steps.gov_es_lookup import CensusClient
    from facturo.transform.steps.verifactu_register import RegistrationLinks
    from facturo.transform.webhooks.sender import Sender
    from facturo.verifactu.client import BatchSender, Pacer, open_transport
    from facturo.verifactu.client import Environment as AeatEnvironment

    store = storage.for_settings(settings)
    resources = Resources()
    resources.add(secrets.signing_key(settings), as_type=PrivateKey)
    resources.add(store, as_type=storage.Storage)
    resources.add(secrets.Cipher(secrets.encryption_key(settings)))
    webhook_sender = Sender()
    resources.add(webhook_sender)
    resources.add(MailSender.from_settings(settings))
    resources.add(MailFiles(store))
    resources.add(verifactu_setup(settings))
    resources.add(RegistrationLinks(settings.resolved_public_url))
    url = aeat_url(settings)
    if url:
        census = CensusClient.for_endpoint(url)
        resources.add(census)
        background.closers.append(census.close)
    password = settings.aeat_certificate_password
    if url or settings.aeat_certificate:
        transport = open_transport(
            url=url,
            environment=AeatEnvironment.PRODUCTION
            if settings.aeat_environment == "production"
            else AeatEnvironment.TEST,
            certificate=settings.aeat_certificate,
            key=settings.aeat_certificate_key,
            password=password.get_secret_value() if password else None,
            timeout=httpx.Timeout(
                connect=10.0, read=settings.aeat_read_timeout, write=60.0, pool=10.0
            ),
        )
        resources.add(BatchSender(transport, Pacer()))
        background.closers.append(transport.close)
    close = getattr(webhook_sender, "close", None)
    if callable(close):
        background.closers.append(close)
    return resources


def start(runtime: Runtime, *, serve: bool, workers: bool = True) -> Background:
    """Fill the runtime's step resources and start the background services of this process.

    ``workers=False`` leaves the job workers to the caller (``facturo worker`` runs them in the
    foreground, with its own signal handling).
    """
    from facturo.transform.engine import wakeup
    from facturo.transform.engine.worker import start_worker_threads
    from facturo.transform.schedules import start_scheduler_thread
    from facturo.transform.webhooks import service as webhooks_service
    from facturo.transform.webhooks.dispatcher import start_dispatcher_thread

    settings = runtime.settings
    background = Background()
    bound: dict[str, int] = {}
    try:
        if serve and settings.aeat_environment == "sandbox" and not settings.aeat_url:
            from facturo.aeat_sandbox.cli import start_in_thread
            from facturo.aeat_sandbox.store import DEFAULT_CENSUS

            sandbox = start_in_thread(
                "127.0.0.1",
                settings.aeat_sandbox_port,
                settings.data_dir / "aeat-sandbox.json",
                wait_seconds=settings.aeat_sandbox_wait_seconds,
                census=[*DEFAULT_CENSUS, *settings.aeat_sandbox_census],
            )
            background.add(
                "AEAT",
                sandbox,
                f"sandbox at {sandbox.url} (admin API {sandbox.url}/admin/, "
                f"QR cotejo {sandbox.url}/wlpl/TIKE-CONT/ValidarQR)",
            )
            bound["aeat_sandbox_port"] = sandbox.port
        if serve:
            from facturo.mail.sink import start_sink_for

            sink = start_sink_for(settings)
            if sink is not None:
                background.add(
                    "Mail",
                    sink,
                    f"SMTP sink on {settings.mail_sink_host}:{sink.port}; "
                    f"what was sent: {settings.resolved_public_url}/dev/mail",
                )
                bound["mail_sink_port"] = sink.port
        if bound:
            # Port 0 asks for a free port; from here on the settings name the ones bound, so
            # the AEAT client and the mail sender reach the services this process started.
            settings = runtime.settings = settings.model_copy(update=bound)
        runtime.resources = step_resources(settings, background)
        if webhooks_service.on_job_finished not in runtime.job_finished_hooks:
            runtime.job_finished_hooks.append(webhooks_service.on_job_finished)
        listener = wakeup.listen(runtime)
        if listener is not None:
            background.add("Wake-up", listener)
        background.add("Webhooks", start_dispatcher_thread(runtime))
        background.add("Schedules", start_scheduler_thread(runtime))
        threads = settings.worker_threads
        if workers and threads and (serve or not settings.is_sqlite):
            background.add(
                "Jobs",
                start_worker_threads(runtime, threads=threads),
                f"{threads} worker thread(s) in this process",
            )
    except BaseException:
        background.stop()
        raise
    return background
