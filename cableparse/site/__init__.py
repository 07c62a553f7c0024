"""The cableparse Datasette plugin: the archive's site (search, cable pages, facets, map, charts).

The `datasette` entry point in pyproject.toml names this package, so Datasette
finds the hooks here and the `templates/` folder beside them. After
`pip install cableparse`, plain `datasette archive.db` serves the whole site:
metadata (descriptions, facets, canned queries, map and chart configuration),
templates, the search page and the cable page all come from here. Every hook
does nothing for a database that is not a cable archive; the work is in the
other modules of this package.
"""
from datasette import hookimpl


@hookimpl
def get_metadata(datasette, key, database, table):
    return site.metadata_for(datasette)


@hookimpl
def register_facet_classes():
    return [facets.TagFacet, facets.CableFacet, facets.CountedFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    if site.is_archive(datasette, database):
        return filters.cable_filters(request, table)
    return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if site.is_archive(datasette, database):
        return render.render_cell(row, value, column, table, database, datasette)
    return None


@hookimpl
def register_routes():
    # (?P<format>) is empty: Datasette's index view, used for non-archives, reads it
    return [(r"^/-/search(\.(?P<format>json|csv))?$", search.search_page),
            (r"^/(?P<database>[^/]+)/cables/(?P<pks>[^/]+?)\.json$", cable_api.cable_json),
            (r"^/(?P<format>)$", home.home_page)]


@hookimpl
def handle_exception(datasette, request, exception):
    message = site.bad_request(exception)
    if message is not None:
        return datasette_handler(datasette, request, BadRequest(message))  # its page, with a 400
    if isinstance(exception, NotFound) and "/cables/" in request.path:
        async def inner():  # a cable id typed another way, or a cable the archive lacks
            return await cable_api.not_found(datasette, request, exception)
        return inner
    return None  # Datasette's own handler


@hookimpl
def menu_links(datasette, actor, request):
    name = site.first_archive(datasette)
    if name:
        return [{"href": datasette.urls.path("/-/search"), "label": "Search the cables"},
                {"href": datasette.urls.table(name, "cable_origins"), "label": "Map of cable origins"}]
    return None


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    async def inner():
        if view_name == "index":
            name = site.first_archive(datasette)
            if name:
                queries = site.metadata_for(datasette)["databases"][name].get("queries", {})
                return {"archive": name, "summary": await home.summary(datasette, name),
                        "queries": list(queries.items())}
        if view_name == "table" and table == "cables" and site.is_archive(datasette, database):
            return {"cable_columns": columns_choice(request)}
        if view_name == "row" and table == "tags" and site.is_archive(datasette, database):
            code = tilde_decode(request.url_vars.get("pks", ""))
            return {"tag_page": await cable_page.tag_context(datasette, database, code)}
        if view_name == "row" and table == "cables" and site.is_archive(datasette, database):
            pks = request.url_vars.get("pks", "")
            cable = await cable_page.cable_context(datasette, database, tilde_decode(pks),
                                                     request.args)
            return {"cable_page": cable} if cable else {}
        return {}

    return inner


@hookimpl
def extra_body_script(template, database, table, columns, view_name, request, datasette):
    # the map counts cables and fits at a readable zoom (map_script.py); runs before Leaflet loads
    if view_name == "table" and columns and "latitude" in columns and site.is_archive(datasette, database):
        return map_script.SCRIPT
    return None


@hookimpl
def asgi_wrapper(datasette):
    """Writes refused at the door, then arbitrary SQL held to its own budget (fair.py)."""
    refuse, fair = refuse_writes(datasette), fair_sql(datasette)
    columns = default_columns(datasette)  # the cables table's default columns (columns.py)
    return lambda app: refuse(fair(columns(app)))


@hookimpl
def prepare_connection(conn):
    # reads through the page cache's own pages, not copies: ~10% on a common phrase's counts
    # at full scale. Before the authorizer, which may refuse pragmas; read-only serving.
    conn.execute("pragma mmap_size = 268435456")  # 256 MB
    conn.set_authorizer(deny_pointer_functions)
    register_cable_text(conn)  # cable_text(blob): the stored raw text as text, for SQL users


# Imported after the hooks, on purpose: these modules import parts of Datasette
# that load every plugin's entry point, this package included, while it is
# still being imported. The hooks must already stand here by then, or Datasette
# would register this package without them.
from datasette.handle_exception import handle_exception as datasette_handler  # noqa: E402
from datasette.utils import tilde_decode  # noqa: E402
from datasette.utils.asgi import BadRequest, NotFound  # noqa: E402

from ..archive.rawtext import register as register_cable_text  # noqa: E402
from . import archives as site  # noqa: E402
from . import cable_api, cable_page, facets, filters, home, map_script, render, search  # noqa: E402
from .columns import columns_choice, default_columns  # noqa: E402
from .fair import deny_pointer_functions, fair_sql  # noqa: E402
from .read_only import refuse_writes  # noqa: E402
