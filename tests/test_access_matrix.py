"""Every page and every export for every role (coordinator, each partner, leadership, nobody).

A partner's pages, and every CSV or Excel file their download buttons hand out, must not name
another region's counties or partners (nor their files, whose names carry the partner code);
pages outside a role are not in its navigation and refuse to render when run directly; a
visitor sees only the sign-in page.
"""

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import PAGES
from dashboard.viewer import COORDINATOR, LEADERSHIP, PARTNER
from etl.program import load_program
from tests.apptest import app, ensure_account, texts
from tests.conftest import ROOT

PROGRAM = load_program(ROOT / "programs" / "west_virginia.toml")
PARTNERS = [p.code for p in PROGRAM.partners]
# The regional contacts directory is for everyone, partners included (DESIGN.md section 6): it names
# every region, partner and county by design, and holds no counts or files.
NAMES_EVERY_REGION = {"pages/contacts.py"}
VIEWERS = [("coordinator", COORDINATOR, None), ("leadership", LEADERSHIP, None)] + [
    (f"partner-{code}", PARTNER, code) for code in PARTNERS]


def foreign_words(code: str) -> list[str]:
    """What a partner's pages must never show: other regions' counties, partners, codes."""
    words = []
    for partner in PROGRAM.partners:
        if partner.code == code:
            continue
        words += [PROGRAM.county(f).name for f in partner.counties]
        words += [partner.name, partner.region, partner.code]
    return words


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """Every file the app hands to a download button, by media file id (AppTest keeps them in memory).

    Tables' CSV and Excel files are written when clicked (a deferred callable): those are kept as
    the callable, and ``download_texts`` calls it, as a click would.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stored: dict[str, object] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = self._files_by_id[file_id].content
        return file_id

    def record_deferred(self, data_callable, *args, **kwargs):
        file_id = original_deferred(self, data_callable, *args, **kwargs)
        stored[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return stored


def download_texts(at: AppTest, stored: dict[str, object]) -> list[tuple[str, str]]:
    """(label, readable text) of every download button's file on the page: CSV as text, Excel cells."""
    import io

    import openpyxl

    found = []
    for button in at.get("download_button"):
        file_id = button.proto.deferred_file_id or button.proto.url.rsplit("/", 1)[-1].split(".")[0]
        content = stored.get(file_id, b"")
        if callable(content):
            content = content()
        if isinstance(content, str):
            content = content.encode("utf-8")
        if content.startswith(b"PK"):
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
            rows = sheet.iter_rows(values_only=True)
            text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in rows)
        else:
            text = content.decode("utf-8-sig", errors="replace")
        found.append((button.proto.label, text))
    return found


def open_page(login: str, path: str) -> AppTest:
    at = app(login).run()
    if path != "pages/home.py":
        at.switch_page(path).run()
    return at


@pytest.mark.parametrize(("login", "role", "partner"), VIEWERS, ids=[v[0] for v in VIEWERS])
def test_each_role_sees_its_pages_and_nothing_of_other_regions(demo_env, downloads, login, role, partner):
    ensure_account(demo_env.engine, login, role, partner)
    for spec in PAGES:
        if role not in spec.roles:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                open_page(login, spec.path)
            direct = AppTest.from_file(str(ROOT / "dashboard" / spec.path), default_timeout=90)
            direct.session_state["auth"] = app(login).session_state["auth"]
            direct.run()
            assert not direct.metric and not direct.dataframe and not direct.table, spec.path
            continue
        at = open_page(login, spec.path)
        assert not at.exception, (spec.path, [e.value for e in at.exception])
        exports = download_texts(at, downloads)
        if partner and spec.path not in NAMES_EVERY_REGION:
            for where, shown in [("page", texts(at)), *exports]:
                leaked = [w for w in foreign_words(partner) if re.search(rf"\b{re.escape(w)}\b", shown)]
                assert not leaked, (spec.path, where, leaked)


def test_the_matrix_reads_the_exports(demo_env, downloads):
    """The export check above must see real files: the coordinator's map page offers the county table
    (written on click: the check calls the deferred callables), as CSV and as Excel."""
    ensure_account(demo_env.engine, "coordinator", COORDINATOR)
    exports = download_texts(open_page("coordinator", "pages/county_map.py"), downloads)
    assert {label for label, text in exports if "Kanawha" in text and "Greenbrier" in text} == {
        "Download CSV", "Download Excel"}


def test_a_visitor_gets_only_the_sign_in_page(demo_env):
    at = app().run()
    assert [t.label for t in at.text_input] == ["Login", "Password"]
    assert not at.metric and not at.dataframe
    for spec in PAGES:
        direct = AppTest.from_file(str(ROOT / "dashboard" / spec.path), default_timeout=90).run()
        assert not direct.metric and not direct.dataframe and not direct.table, spec.path
