"""The site in a real browser: Debian's chromium, driven by Playwright, runs a faceted search.

Screenshots go to output/ (ignored by git, kept by CI as artifacts). Playwright's
own browser download is never used: there is no internet beyond the package
registries, so the test drives /usr/bin/chromium (`apt-get install chromium`).
A missing browser fails the test: README's test command installs Debian's chromium.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .test_site import start_site, stop_site

OUTPUT = Path(__file__).resolve().parents[1] / "output"
CHROMIUM = os.environ.get("CABLEPARSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    # a failure, not a skip: README's test command installs chromium first
    pytest.fail(f"{reason}: install Debian's chromium (apt-get install chromium), as README's "
                "test command and .ci/run do")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(shared, tmp_path_factory):  # the same server as test_site.py's, started by whichever runs first
    yield start_site(tmp_path_factory.mktemp("site"))
    stop_site()


def test_faceted_search_in_a_browser(browser, site):
    import sqlite3

    OUTPUT.mkdir(exist_ok=True)
    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)
    ktip, = conn.execute(
        "select count(*) from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match 'trafficking' "
        "and p.cable_id in (select cable_id from cable_tags where tag = 'KTIP')").fetchone()
    subjects, = conn.execute(
        "select count(*) from cables where rowid in (select rowid from cables_fts "
        "where cables_fts match 'trafficking') "
        "and id in (select cable_id from cable_tags where tag = 'KTIP')").fetchone()
    conn.close()

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(site["base"] + "/")
    assert page.locator("h1").first.inner_text() == "US diplomatic cables"
    # a person types words in the home page's box, then narrows by a tag
    page.fill("form.cable-search input[name=q]", "trafficking")
    page.click("form.cable-search button")
    page.wait_for_url(re.compile(r"/-/search\?q=trafficking"))
    page.locator("ul.facet-tag a", has_text=re.compile(r"^KTIP$")).click()
    page.wait_for_url(re.compile(r"tag=KTIP"))
    count = page.locator("p.search-count strong").inner_text()
    assert count == f"{ktip:,}"
    assert page.locator(".active-filters").inner_text().startswith("Cable tag: KTIP")
    assert page.locator(".search-hit mark").count() > 0
    page.screenshot(path=str(OUTPUT / "search-facets.png"), full_page=False)

    # the first hit opens the cable at that paragraph
    page.locator(".search-hit .where a").first.click()
    page.wait_for_url(re.compile(r"/site/cables/[^#]+#pos\d+"))
    target = page.url.split("#", 1)[1]
    assert page.locator(f"#{target}, :has(> a#{target})").count() >= 1
    page.screenshot(path=str(OUTPUT / "cable-page.png"), full_page=False)

    # the cables table: search the subjects, then narrow by a tag, as Datasette shows it
    page.goto(site["base"] + "/site/cables")
    page.fill("input#_search", "trafficking")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"_search=trafficking"))
    page.locator(".facet-info[data-column=tag] a", has_text=re.compile(r"^KTIP ")).first.click()
    page.wait_for_url(re.compile(r"_tag=KTIP"))
    heading = page.locator("h3").first.inner_text()
    assert heading.startswith(f"{subjects} row"), heading
    page.screenshot(path=str(OUTPUT / "cables-by-tag.png"), full_page=False)
    page.close()


def test_search_language_ids_and_sections_in_a_browser(browser, site):
    """A researcher types operators, an id, and narrows by one section across cables."""
    import sqlite3

    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)

    def fts(match, extra=""):
        return conn.execute(
            "select count(*) from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
            f"where paragraphs_fts match ? {extra}", [match]).fetchone()[0]

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site["base"] + "/-/search")
    assert page.locator("details.search-help").get_attribute("open") is not None  # the language, documented
    for typed, match in (("trafficking OR smuggling", "trafficking OR smuggling"),
                         ("trafficking -smuggling", "trafficking NOT smuggling"),
                         ("traffick*", "traffick*"),
                         ("(trafficking | smuggling) Morocco", "(trafficking OR smuggling) AND morocco")):
        page.fill("form.cable-search input[name=q]", typed)
        page.click("form.cable-search button")
        page.wait_for_load_state()
        assert page.locator("p.search-count strong").inner_text() == f"{fts(match):,}", typed
    page.screenshot(path=str(OUTPUT / "search-operators.png"), full_page=False)

    # invalid syntax: a message, no results
    page.fill("form.cable-search input[name=q]", "trafficking OR")
    page.click("form.cable-search button")
    page.wait_for_load_state()
    assert "needs something to search on each side" in page.locator(".message-error").inner_text()
    assert page.locator(".search-hit").count() == 0

    # one section across cables: PREVENTION, Prevention and V. PREVENTION are one value
    page.goto(site["base"] + "/-/search?q=trafficking&tag=KTIP&more=section")
    labels = page.locator("ul.facet-section li").all_inner_texts()
    names = [label.rsplit(" ", 1)[0].strip().lower() for label in labels]
    assert len(names) == len(set(names))
    page.locator("ul.facet-section a", has_text=re.compile(r"^Prevention$")).click()
    page.wait_for_url(re.compile(r"section=prevention"))
    expected = fts("trafficking", "and p.section_key = 'prevention' and p.cable_id in "
                   "(select cable_id from cable_tags where tag = 'KTIP')")
    headings = {h for (h,) in conn.execute(
        "select distinct section from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match 'trafficking' and p.section_key = 'prevention' and p.cable_id in "
        "(select cable_id from cable_tags where tag = 'KTIP')")}
    assert len(headings) > 1  # several spellings, one facet value
    assert page.locator("p.search-count strong").inner_text() == f"{expected:,}"
    page.screenshot(path=str(OUTPUT / "search-section.png"), full_page=False)

    # an id typed in the box opens its cable, whatever its form
    page.goto(site["base"] + "/")
    page.fill("form.cable-search input[name=q]", "07casablanca0042")
    page.click("form.cable-search button")
    page.wait_for_url(re.compile(r"/site/cables/07CASABLANCA42$"))
    assert page.locator("h1").first.inner_text().startswith("07CASABLANCA42:")
    # and a cable the archive lacks has a page with a way on
    page.goto(site["base"] + "/site/cables/06state202745")
    assert page.locator("h1").inner_text() == "06STATE202745: not in this archive"
    page.locator("#cited-by + ul a", has_text="07CASABLANCA42").click()
    page.wait_for_url(re.compile(r"/site/cables/07CASABLANCA42$"))
    assert errors == []
    conn.close()
    page.close()
