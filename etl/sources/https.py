"""A partner's HTTPS export: ``export_url`` in the program file, pulled by ``python -m etl pull``.

One GET per pull, TLS verified (the public CAs plus ``LEAD_CA_BUNDLE``), with a bearer token read
from the variable named by ``token_env``. What the server sends is checked before it is loaded:

- unchanged: the ``ETag`` (or ``Last-Modified``) of the last processed download is sent back
  (``If-None-Match``/``If-Modified-Since``); a 304, or the same bytes as last time, loads nothing;
- a web page (``text/html``) or JSON instead of a CSV or .xlsx is refused;
- a body larger than ``LEAD_MAX_FILE_MB`` is aborted while streaming;
- a body shorter than its ``Content-Length`` (a dropped connection) is retried, then reported;
- a body that changed mid-download is detected and retried: after the body is read, a ``HEAD``
  must show the same validators (ETag, Last-Modified, Content-Length) as the GET did; if not, the
  export was rewritten while we read it, and the bytes may mix two versions.

Time-outs, connection errors, 5xx, 408 and 429 are retried a few times with exponential backoff.
The state (last ETag, SHA-256) lives in ``LEAD_DATA_DIR/state/https/<code>.json`` and is written
only after ``process_file`` returned a report, so a download whose load failed is tried again.
A file the pipeline rejected is recorded too: the same bytes are not re-submitted every few
minutes (the partner sees the rejection; a new export has a new ETag and is tried).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import SQLAlchemyError

from etl.archive import sha256_of
from etl.pipeline import Intake, process_file
from etl.program import PartnerConfig
from etl.runtime import Runtime

log = logging.getLogger(__name__)

ACCEPTED_TYPES = {
    "text/csv", "application/csv", "text/plain", "text/comma-separated-values",
    "application/vnd.ms-excel",  # what many servers (and Windows) call a .csv
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",  # a generic download; read_table sniffs the bytes
}
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
USER_AGENT = "lead-etl-pull/1"


@dataclass(frozen=True)
class HttpPolicy:
    """How patient the pull job is with a partner's server."""

    timeout: float = 30.0  # seconds to connect, and between two chunks of the body
    attempts: int = 3  # tries per pull (the next cron run tries again anyway)
    backoff: float = 2.0  # seconds before the second try, doubled before each later one
    max_seconds: float = 600.0  # a whole download; ``timeout`` alone lets a trickling server hold on


DEFAULT_POLICY = HttpPolicy()


class _Retry(Exception):
    """This attempt failed in a way another attempt may not."""


class _Fail(Exception):
    """This source cannot be pulled this time; the message says why."""


@dataclass
class _Download:
    data: bytes
    filename: str
    etag: str | None
    last_modified: str | None


def pull_https(runtime: Runtime, config: PartnerConfig, outcome, policy: HttpPolicy = DEFAULT_POLICY) -> None:
    """Download ``config.export_url`` if it changed, process it, and record what happened."""
    from etl.sources import SourceResult

    code, url = config.code, config.export_url or ""
    state_path = runtime.settings.data_dir / "state" / "https" / f"{code}.json"
    state = _read_state(state_path, url)
    try:
        headers = _headers(config, state)
        with _client(runtime, policy) as client:
            download = _download(client, url, headers, runtime.settings.max_file_bytes, policy)
    except _Fail as failure:
        log.warning("%s export: %s", code, failure)
        outcome.sources.append(SourceResult(code, "url", "failed", str(failure)))
        return
    if download is None:
        outcome.sources.append(SourceResult(code, "url", "unchanged", "not modified since the last pull"))
        return
    sha256 = sha256_of(download.data)
    if sha256 == state.get("sha256"):  # no ETag support, or a new ETag on the same bytes
        with contextlib.suppress(OSError):  # only an optimisation: the next pull compares the bytes again
            _write_state(state_path, {**state, "etag": download.etag, "last_modified": download.last_modified})
        outcome.sources.append(SourceResult(code, "url", "unchanged", "same content as the last pull"))
        return
    settings = runtime.settings
    try:
        report = process_file(
            runtime.engine, runtime.program, partner_code=code, filename=download.filename, data=download.data,
            intake=Intake(source="url", received_by="pull:url"), archive_dir=settings.archive_dir,
            today=settings.today, max_bytes=settings.max_file_bytes,
        )
    except (SQLAlchemyError, OSError) as error:
        # Not recorded in the state: the next pull downloads and tries this export again.
        log.warning("%s export: loading failed: %s", code, error)
        outcome.sources.append(SourceResult(code, "url", "failed",
                                            f"downloaded, but loading failed ({type(error).__name__}); "
                                            "it will be tried again on the next pull"))
        return
    outcome.files.append(report)
    message = f"downloaded {len(download.data):,} bytes: {report.status}"
    try:
        _write_state(state_path, {"url": url, "etag": download.etag, "last_modified": download.last_modified,
                                  "sha256": sha256, "status": report.status})
    except OSError as error:  # loaded all the same; the next pull re-downloads and finds it already loaded
        message += f"; cannot record the pull state in {state_path.parent}: {error}"
    outcome.sources.append(SourceResult(code, "url", "ok", message))


def _headers(config: PartnerConfig, state: dict) -> dict[str, str]:
    headers = {"Accept": "text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.9, "
                         "*/*;q=0.1",
               "User-Agent": USER_AGENT}
    if config.token_env:
        token = os.environ.get(config.token_env, "").strip()
        if not token:
            raise _Fail(f"the environment variable {config.token_env} (token_env) is not set; "
                        "set it to the partner's export token")
        headers["Authorization"] = f"Bearer {token}"
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    elif state.get("last_modified"):
        headers["If-Modified-Since"] = state["last_modified"]
    return headers


def _client(runtime: Runtime, policy: HttpPolicy) -> httpx.Client:
    context = httpx.create_ssl_context()  # verified, with the public CAs (certifi)
    if runtime.settings.ca_bundle:
        try:
            context.load_verify_locations(cafile=str(runtime.settings.ca_bundle))
        except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
            raise _Fail(f"LEAD_CA_BUNDLE {runtime.settings.ca_bundle} cannot be used: {error}") from None

    def https_only(request: httpx.Request) -> None:
        # A redirect must not take the request (or the export) off TLS. httpx already drops the
        # Authorization header when a redirect changes origin.
        if request.url.scheme != "https":
            raise _Fail(f"the server redirected to a non-HTTPS address ({request.url.host}); refused")

    return httpx.Client(verify=context, timeout=httpx.Timeout(policy.timeout), follow_redirects=True,
                        max_redirects=5, event_hooks={"request": [https_only]})


def _download(client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int,
              policy: HttpPolicy) -> _Download | None:
    """The export's bytes, or None if it is unchanged; _Fail when every attempt failed."""
    problem = ""
    for attempt in range(1, max(policy.attempts, 1) + 1):
        if attempt > 1:
            time.sleep(policy.backoff * 2 ** (attempt - 2))
        try:
            return _attempt(client, url, headers, max_bytes, policy.max_seconds)
        except _Retry as retry:
            problem = str(retry)
            log.info("export %s: attempt %d failed: %s", _safe(url), attempt, problem)
    raise _Fail(f"{problem} (after {max(policy.attempts, 1)} attempt(s))")


def _attempt(client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int,
             max_seconds: float) -> _Download | None:
    started = time.monotonic()
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return None
            _check_status(response)
            _check_type(response)
            expected = _content_length(response)
            if expected is not None and expected > max_bytes:
                raise _Fail(f"the export is {expected:,} bytes; the limit (LEAD_MAX_FILE_MB) is {max_bytes:,}")
            chunks, size = [], 0
            for chunk in response.iter_raw():  # raw: Content-Length counts the bytes as sent
                size += len(chunk)
                if size > max_bytes:
                    raise _Fail(f"the export is larger than the limit (LEAD_MAX_FILE_MB, {max_bytes:,} bytes); "
                                "download stopped")
                chunks.append(chunk)
                if time.monotonic() - started > max_seconds:
                    raise _Retry(f"the download took longer than {max_seconds:.0f} s")
            if expected is not None and size != expected:
                raise _Retry(f"the body was truncated: {size:,} of {expected:,} bytes received")
            data = _decoded(response, b"".join(chunks))
            seen = _validators(response)
            download = _Download(data, _filename(response, url), response.headers.get("etag"),
                                 response.headers.get("last-modified"))
        _check_unchanged_since(client, url, headers, seen)
        return download
    except httpx.TimeoutException:
        raise _Retry("the server did not answer in time (time-out)") from None
    except httpx.RemoteProtocolError as error:
        raise _Retry(f"the connection broke during the download (truncated body?): {error}") from None
    except httpx.ConnectError as error:
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            raise _Fail("the server's TLS certificate is not trusted (set LEAD_CA_BUNDLE for an internal CA): "
                        f"{error}") from None
        raise _Retry(f"cannot connect: {error}") from None
    except httpx.TooManyRedirects:
        raise _Fail("too many redirects") from None
    except httpx.HTTPError as error:
        raise _Retry(f"{type(error).__name__}: {error}") from None


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    if status in RETRY_STATUSES:
        raise _Retry(f"the server answered {status} {response.reason_phrase}")
    if status in (401, 403):
        raise _Fail(f"the server refused the token ({status} {response.reason_phrase}); check token_env's value")
    raise _Fail(f"the server answered {status} {response.reason_phrase}; expected 200 with a CSV or .xlsx file")


def _check_type(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in ACCEPTED_TYPES:
        what = "a web page (a login or error page?)" if content_type == "text/html" else "not a CSV or .xlsx file"
        raise _Fail(f"the server sent {content_type}: {what}; check export_url")


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _decoded(response: httpx.Response, raw: bytes) -> bytes:
    """Undo a gzip/deflate Content-Encoding (bytes were counted raw, against Content-Length)."""
    if response.headers.get("content-encoding", "identity").strip().lower() in ("", "identity"):
        return raw
    decoder = httpx.Response(200, headers={"content-encoding": response.headers["content-encoding"]}, content=raw)
    try:
        return decoder.read()
    except httpx.DecodingError as error:
        raise _Retry(f"the compressed body cannot be decoded: {error}") from None


def _validators(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    headers = response.headers
    return headers.get("etag"), headers.get("last-modified"), headers.get("content-length")


def _check_unchanged_since(client: httpx.Client, url: str, headers: dict[str, str], seen: tuple) -> None:
    """Refuse a body that may mix two versions: the export must look the same after the download."""
    if seen == (None, None, None):
        return  # nothing to compare: the server sends no validators
    head_headers = {k: v for k, v in headers.items() if k not in ("If-None-Match", "If-Modified-Since")}
    head = client.head(url, headers=head_headers)
    if head.status_code != 200:
        return  # HEAD not supported (e.g. a signed GET-only address): cannot check, accept the body
    now = _validators(head)
    changed = [name for name, before, after in zip(("ETag", "Last-Modified", "Content-Length"), seen, now,
                                                   strict=True) if before and after and before != after]
    if changed:
        raise _Retry(f"the export changed during the download ({', '.join(changed)} differ); "
                     "the bytes may mix two versions")


def _filename(response: httpx.Response, url: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    match = re.search(r'filename="?([^";]+)"?', disposition)
    name = match.group(1) if match else PurePosixPath(urlsplit(url).path).name
    name = PurePosixPath(name.replace("\\", "/")).name.strip()
    return (name or "export.csv")[:200]


def _safe(url: str) -> str:
    """The address without its query (which may carry a signature or a key) for the log."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _read_state(path: Path, url: str) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    # A new export_url starts afresh: the old ETag means nothing to another server.
    return state if isinstance(state, dict) and state.get("url") == url else {}


def _write_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
