"""Datasette plugin for cable archives: loaded by `cableparse serve` with --plugins-dir.

Every hook does nothing for a database that is not a cable archive; the work
is in the cableparse.datasette modules.
"""
from datasette import hookimpl
from datasette.utils import tilde_decode

from cableparse.datasette import cable_page, facets, filters, home, render, search, site


@hookimpl
def get_metadata(datasette, key, database, table):
    return site.metadata_for(datasette)


@hookimpl
def register_facet_classes():
    return [facets.TagFacet, facets.CableFacet]


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
    return [(r"^/-/search$", search.search_page), (r"^/(?P<format>)$", home.home_page)]


@hookimpl
def handle_exception(datasette, request, exception):
    message = site.bad_request(exception)
    if message is None:
        return None  # Datasette's own handler
    from datasette.handle_exception import handle_exception as datasette_handler
    from datasette.utils.asgi import BadRequest

    return datasette_handler(datasette, request, BadRequest(message))  # its page, with a 400


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
        if view_name == "row" and table == "cables" and site.is_archive(datasette, database):
            pks = request.url_vars.get("pks", "")
            cable = await cable_page.cable_context(datasette, database, tilde_decode(pks),
                                                     request.args)
            return {"cable_page": cable} if cable else {}
        return {}

    return inner
