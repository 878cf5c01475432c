"""The HTTPS export source against a real local HTTPS server with a self-signed certificate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from etl.models import MonthlyCount, Submission
from etl.program import load_program
from etl.runtime import Runtime, open_runtime
from etl.sources import pull_all
from etl.sources.https import HttpPolicy
from tests.browser import run_etl
from tests.conftest import ROOT, environment
from tests.helpers import csv_bytes, prestera_month, row, totals

FAST = HttpPolicy(timeout=5.0, attempts=3, backoff=0.01)
TOKEN = "s3cret-token-value-42"


def seneca_month(month: str = "2026-03") -> list[dict]:
    return [row(month, county, "social_contact", 2, 1, 2) for county in ("Greenbrier", "Nicholas")]


# --- a real HTTPS server ------------------------------------------------------------------------

@dataclass
class Export:
    """One export address: what it serves, and a plan of misbehaviours for the next GETs."""

    body: bytes
    etag: str | None = '"v1"'
    content_type: str = "text/csv; charset=utf-8"
    plan: list[str] = field(default_factory=list)  # "500", "hang", "truncate", "change"; then "ok"
    after_change: tuple[bytes, str] | None = None  # the version "change" switches to mid-body


class Server(ThreadingHTTPServer):
    daemon_threads = True
    exports: dict[str, Export]
    requests: list[tuple[str, str, dict[str, str]]]
    stop: threading.Event


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _export(self) -> Export | None:
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        export = self.server.exports.get(self.path)
        if export is None:
            self.send_error(404)
        return export

    def _headers(self, export: Export, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", export.content_type)
        self.send_header("Content-Length", str(len(export.body)))
        if export.etag:
            self.send_header("ETag", export.etag)
        self.end_headers()

    def do_HEAD(self) -> None:
        if export := self._export():
            self._headers(export)

    def do_GET(self) -> None:
        export = self._export()
        if export is None:
            return
        behaviour = export.plan.pop(0) if export.plan else "ok"
        if behaviour == "500":
            self.send_error(500, "Internal Server Error")
        elif behaviour == "hang":
            self.server.stop.wait(30)  # longer than the client's time-out; released at teardown
            self.close_connection = True
        elif export.etag and self.headers.get("If-None-Match") == export.etag:
            self.send_response(304)
            self.send_header("ETag", export.etag)
            self.end_headers()
        elif behaviour == "truncate":  # promise the whole body, send half, hang up
            self._headers(export)
            self.wfile.write(export.body[: len(export.body) // 2])
            self.close_connection = True
        elif behaviour == "change":  # the export is rewritten while it is being sent
            self._headers(export)
            half = len(export.body) // 2
            self.wfile.write(export.body[:half])
            self.wfile.flush()
            assert export.after_change is not None
            export.body, export.etag = export.after_change
            self.wfile.write(export.body[half:])
        else:
            self._headers(export)
            self.wfile.write(export.body)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lead-test-export")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(certificate) -> Iterator[Server]:
    """An HTTPS server on a free port of 127.0.0.1, in a thread; ``server.exports`` says what it serves."""
    server = Server(("127.0.0.1", 0), Handler)
    server.exports, server.requests, server.stop = {}, [], threading.Event()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def url_of(server: Server, path: str) -> str:
    return f"https://127.0.0.1:{server.server_address[1]}{path}"


# --- a program whose partners have export addresses ---------------------------------------------

def with_exports(runtime: Runtime, tmp_path: Path, exports: dict[str, tuple[str, str | None]],
                 ca_bundle: Path | None, **settings) -> Runtime:
    """``runtime`` with a copy of the sample program where ``exports[code] = (url, token_env)``."""
    text = (ROOT / "programs" / "west_virginia.toml").read_text(encoding="utf-8")
    for code, (url, token_env) in exports.items():
        extra = f'export_url = "{url}"\n' + (f'token_env = "{token_env}"\n' if token_env else "")
        text = re.sub(rf'^code = "{code}"\n', lambda m, extra=extra: m.group(0) + extra, text, count=1, flags=re.M)
    path = tmp_path / "program_with_exports.toml"
    path.write_text(text, encoding="utf-8")
    return dataclasses.replace(runtime, program=load_program(path),
                               settings=dataclasses.replace(runtime.settings, ca_bundle=ca_bundle, **settings))


@pytest.fixture
def sqlite_runtime(tmp_path) -> Iterator[Runtime]:
    """For tests where the database does not matter (the download fails before any load)."""
    runtime = open_runtime(environment(f"sqlite:///{tmp_path / 'lead.db'}", tmp_path / "data"), upgrade=True)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def token(monkeypatch) -> str:
    monkeypatch.setenv("LEAD_TOKEN_PRESTERA", TOKEN)
    monkeypatch.setenv("LEAD_TOKEN_SENECA", TOKEN + "-seneca")
    return TOKEN


def count(runtime: Runtime, column) -> int:
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count(column)))


def url_results(outcome) -> dict[str, tuple[str, str]]:
    return {s.partner: (s.status, s.message) for s in outcome.sources if s.source == "url"}


def gets(server: Server) -> list[dict[str, str]]:
    return [headers for method, _path, headers in server.requests if method == "GET"]


# --- the tests ------------------------------------------------------------------------------------

def test_an_export_is_loaded_once_then_not_downloaded_again_until_it_changes(
        runtime, server, certificate, tmp_path, token, caplog):
    caplog.set_level(logging.DEBUG)
    march = csv_bytes(prestera_month("2026-03"))
    server.exports["/lead/prestera.csv"] = Export(march)
    rt = with_exports(runtime, tmp_path, {"prestera": (url_of(server, "/lead/prestera.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])

    first = pull_all(rt, http=FAST)
    assert url_results(first) == {"prestera": ("ok", f"downloaded {len(march):,} bytes: loaded")}
    assert [(f.file, f.status, f.totals) for f in first.files] == [
        ("prestera.csv", "loaded", totals(prestera_month("2026-03")))]
    assert first.exit_status == 0
    assert gets(server)[0]["Authorization"] == f"Bearer {TOKEN}"
    assert "If-None-Match" not in gets(server)[0]
    with rt.engine.connect() as connection:
        assert connection.execute(select(Submission.source, Submission.received_by, Submission.status)).all() == [
            ("url", "pull:url", "loaded")]
    assert count(rt, MonthlyCount.month) == 6

    second = pull_all(rt, http=FAST)  # 304: nothing downloaded, nothing recorded
    assert url_results(second) == {"prestera": ("unchanged", "not modified since the last pull")}
    assert second.files == [] and second.exit_status == 0
    assert gets(server)[-1]["If-None-Match"] == '"v1"'
    assert count(rt, Submission.id) == 1

    april = csv_bytes(prestera_month("2026-03", base=5) + prestera_month("2026-04"))
    server.exports["/lead/prestera.csv"] = Export(april, etag='"v2"')
    third = pull_all(rt, http=FAST)
    assert [(f.status, f.months, sorted(f.replaced)) for f in third.files] == [
        ("loaded", ["2026-03", "2026-04"], ["2026-03"])]
    assert count(rt, Submission.id) == 2 and count(rt, MonthlyCount.month) == 12

    # The token goes to the server and nowhere else: not in the report, not in any log line.
    for outcome in (first, second, third):
        assert TOKEN not in json.dumps(outcome.to_dict()) and TOKEN not in "\n".join(outcome.lines())
    assert TOKEN not in caplog.text


def test_a_server_error_is_retried_reported_and_loaded_exactly_once_after_recovery(
        runtime, server, certificate, tmp_path, token):
    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()), plan=["500", "500", "500"])
    rt = with_exports(runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])

    failed = pull_all(rt, http=FAST)
    status, message = url_results(failed)["prestera"]
    assert status == "failed"
    assert message == "the server answered 500 Internal Server Error (after 3 attempt(s))"
    assert failed.exit_status == 1 and failed.files == []
    assert len(gets(server)) == 3  # bounded: the policy's three attempts, no more
    assert count(rt, Submission.id) == 0
    assert not (rt.settings.data_dir / "state" / "https" / "prestera.json").exists()

    recovered = pull_all(rt, http=FAST)
    assert [f.status for f in recovered.files] == ["loaded"] and recovered.exit_status == 0
    again = pull_all(rt, http=FAST)
    assert url_results(again)["prestera"][0] == "unchanged" and again.files == []
    assert count(rt, Submission.id) == 1 and count(rt, MonthlyCount.month) == 6


def test_a_failing_partner_does_not_stop_another(runtime, server, certificate, tmp_path, token):
    server.exports["/prestera.csv"] = Export(b"", plan=["500"] * 3)
    server.exports["/seneca.csv"] = Export(csv_bytes(seneca_month()))
    rt = with_exports(runtime, tmp_path, {"prestera": (url_of(server, "/prestera.csv"), "LEAD_TOKEN_PRESTERA"),
                                          "seneca": (url_of(server, "/seneca.csv"), "LEAD_TOKEN_SENECA")},
                      certificate[0])
    outcome = pull_all(rt, http=FAST)
    assert {p: s for p, (s, _m) in url_results(outcome).items()} == {"prestera": "failed", "seneca": "ok"}
    assert [(f.partner, f.status) for f in outcome.files] == [("seneca", "loaded")]
    assert outcome.exit_status == 1
    assert count(rt, MonthlyCount.month) == 2
    # The inbox folders were pulled as well: the HTTPS source sits beside them.
    assert {s.partner for s in outcome.sources if s.source == "folder"} >= {"prestera", "seneca"}


def test_a_body_that_changes_mid_download_is_thrown_away_and_the_new_version_loaded(
        runtime, server, certificate, tmp_path, token):
    before, after = prestera_month("2026-03", base=4), prestera_month("2026-03", base=5)
    old, new = csv_bytes(before), csv_bytes(after)
    assert len(old) == len(new)  # the same length: only the validators can tell the mix apart
    server.exports["/x.csv"] = Export(old, etag='"v1"', plan=["change"], after_change=(new, '"v2"'))
    rt = with_exports(runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    outcome = pull_all(rt, http=FAST)
    assert [(f.status, f.totals) for f in outcome.files] == [("loaded", totals(after))]
    assert [m for m, _p, _h in server.requests] == ["GET", "HEAD", "GET", "HEAD"]
    assert count(rt, Submission.id) == 1


def test_a_body_that_keeps_changing_is_reported(sqlite_runtime, server, certificate, tmp_path, token):
    body = csv_bytes(prestera_month())
    server.exports["/x.csv"] = Export(body, plan=["change"] * 3, after_change=(body, '"v2"'))
    # Each GET promises "v1"... then the HEAD sees "v2": every attempt mixes two versions.
    export = server.exports["/x.csv"]

    class Flip(list):
        def pop(self, index=-1):
            export.etag = '"v1"'
            return super().pop(index)

    export.plan = Flip(export.plan)
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    outcome = pull_all(rt, http=FAST)
    status, message = url_results(outcome)["prestera"]
    assert status == "failed" and "changed during the download (ETag differ)" in message
    assert outcome.files == [] and count(rt, Submission.id) == 0


def test_a_truncated_body_is_retried_then_reported(runtime, server, certificate, tmp_path, token):
    body = csv_bytes(prestera_month())
    server.exports["/x.csv"] = Export(body, plan=["truncate"])
    rt = with_exports(runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    outcome = pull_all(rt, http=FAST)  # the first attempt is cut short; the second is whole
    assert [(f.status, f.rows) for f in outcome.files] == [("loaded", 6)]

    server.exports["/x.csv"] = Export(csv_bytes(prestera_month("2026-04")), etag='"v2"', plan=["truncate"] * 3)
    broken = pull_all(rt, http=FAST)
    status, message = url_results(broken)["prestera"]
    assert status == "failed" and "truncated" in message and message.endswith("(after 3 attempt(s))")
    assert broken.files == [] and count(rt, Submission.id) == 1  # nothing half-loaded


def test_a_hanging_server_times_out(sqlite_runtime, server, certificate, tmp_path, token):
    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()), plan=["hang", "hang"])
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    outcome = pull_all(rt, http=HttpPolicy(timeout=0.3, attempts=2, backoff=0.01))
    assert url_results(outcome)["prestera"] == (
        "failed", "the server did not answer in time (time-out) (after 2 attempt(s))")
    assert outcome.files == [] and outcome.exit_status == 1


def test_a_web_page_instead_of_a_csv_is_refused(sqlite_runtime, server, certificate, tmp_path, token):
    server.exports["/x.csv"] = Export(b"<html><body>Please sign in</body></html>", content_type="text/html")
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    outcome = pull_all(rt, http=FAST)
    assert url_results(outcome)["prestera"] == (
        "failed", "the server sent text/html: a web page (a login or error page?); check export_url")
    assert len(gets(server)) == 1  # not retried: the same page would come back
    assert outcome.files == [] and count(rt, Submission.id) == 0


def test_a_missing_token_variable_fails_that_source_only(sqlite_runtime, server, certificate, tmp_path,
                                                          monkeypatch):
    monkeypatch.delenv("LEAD_TOKEN_PRESTERA", raising=False)
    monkeypatch.setenv("LEAD_TOKEN_SENECA", TOKEN)
    server.exports["/prestera.csv"] = Export(csv_bytes(prestera_month()))
    server.exports["/seneca.csv"] = Export(csv_bytes(seneca_month()))
    rt = with_exports(sqlite_runtime, tmp_path,
                      {"prestera": (url_of(server, "/prestera.csv"), "LEAD_TOKEN_PRESTERA"),
                       "seneca": (url_of(server, "/seneca.csv"), "LEAD_TOKEN_SENECA")}, certificate[0])
    outcome = pull_all(rt, http=FAST)
    assert url_results(outcome)["prestera"] == (
        "failed", "the environment variable LEAD_TOKEN_PRESTERA (token_env) is not set; "
                  "set it to the partner's export token")
    assert [p for _m, p, _h in server.requests] == ["/seneca.csv", "/seneca.csv"]  # GET + HEAD, nothing sent
    assert [(f.partner, f.status) for f in outcome.files] == [("seneca", "loaded")]


def test_an_untrusted_certificate_is_refused(sqlite_runtime, server, tmp_path, token):
    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()))
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      ca_bundle=None)
    status, message = url_results(pull_all(rt, http=FAST))["prestera"]
    assert status == "failed" and message.startswith("the server's TLS certificate is not trusted")
    assert server.requests == []  # the token never left: the TLS handshake failed first


def test_an_export_over_the_size_limit_is_stopped(sqlite_runtime, server, certificate, tmp_path, token):
    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()))
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0], max_file_bytes=100)
    status, message = url_results(pull_all(rt, http=FAST))["prestera"]
    assert status == "failed" and "the limit (LEAD_MAX_FILE_MB) is 100" in message
    assert count(rt, Submission.id) == 0


def test_a_load_that_fails_is_downloaded_and_tried_again(sqlite_runtime, server, certificate, tmp_path, token,
                                                         monkeypatch):
    import etl.sources.https as https

    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()))
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    real = https.process_file

    def database_down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(https, "process_file", database_down)
    failed = pull_all(rt, http=FAST)
    assert url_results(failed)["prestera"] == (
        "failed", "downloaded, but loading failed (OperationalError); it will be tried again on the next pull")
    monkeypatch.setattr(https, "process_file", real)
    retried = pull_all(rt, http=FAST)
    assert "If-None-Match" not in gets(server)[-1]  # the state was not advanced by the failed load
    assert [f.status for f in retried.files] == ["loaded"]
    assert count(rt, Submission.id) == 1


def test_the_pull_command_prints_json_and_exits_1_when_a_source_failed(sqlite_runtime, server, certificate,
                                                                      tmp_path):
    server.exports["/prestera.csv"] = Export(csv_bytes(prestera_month()))
    server.exports["/seneca.csv"] = Export(csv_bytes(seneca_month()))
    rt = with_exports(sqlite_runtime, tmp_path,
                      {"prestera": (url_of(server, "/prestera.csv"), "LEAD_TOKEN_PRESTERA"),
                       "seneca": (url_of(server, "/seneca.csv"), None)}, certificate[0])
    env = {**environment(rt.settings.database_url, rt.settings.data_dir),
           "LEAD_PROGRAM_FILE": str(rt.program.source_path), "LEAD_CA_BUNDLE": str(certificate[0]),
           "LEAD_TOKEN_PRESTERA": TOKEN}
    done = run_etl(env, "pull", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"files", "sources"}
    assert {(s["partner"], s["source"], s["status"]) for s in result["sources"] if s["source"] == "url"} == {
        ("prestera", "url", "ok"), ("seneca", "url", "ok")}
    assert all(set(s) == {"partner", "source", "status", "message"} for s in result["sources"])
    assert sorted((f["partner"], f["status"]) for f in result["files"]) == [("prestera", "loaded"),
                                                                           ("seneca", "loaded")]
    assert TOKEN not in done.stdout + done.stderr

    env.pop("LEAD_TOKEN_PRESTERA")
    failed = run_etl({**env, "LEAD_TOKEN_PRESTERA": ""}, "pull", "--json")
    assert failed.returncode == 1
    sources = {s["partner"]: s for s in json.loads(failed.stdout)["sources"] if s["source"] == "url"}
    assert sources["prestera"]["status"] == "failed" and "LEAD_TOKEN_PRESTERA" in sources["prestera"]["message"]
    assert sources["seneca"]["status"] == "unchanged"
    assert "Traceback" not in failed.stderr


def test_without_an_etag_the_same_bytes_are_not_loaded_twice(sqlite_runtime, server, certificate, tmp_path, token):
    server.exports["/x.csv"] = Export(csv_bytes(prestera_month()), etag=None)
    rt = with_exports(sqlite_runtime, tmp_path, {"prestera": (url_of(server, "/x.csv"), "LEAD_TOKEN_PRESTERA")},
                      certificate[0])
    assert [f.status for f in pull_all(rt, http=FAST).files] == ["loaded"]
    again = pull_all(rt, http=FAST)
    assert url_results(again)["prestera"] == ("unchanged", "same content as the last pull")
    assert again.files == [] and count(rt, Submission.id) == 1
    assert all("If-None-Match" not in headers for headers in gets(server))
