"""Refuse writes at the door: the archive is published read-only.

Datasette 0.65 answers a POST to a table page with a failed assertion (a 500);
a published archive should say plainly that it takes no writes. Only GET, HEAD
and OPTIONS reach Datasette; anything else gets 405 with an Allow header.

On by default, in `cableparse serve` and plain `datasette` alike; a site that
adds write plugins of its own turns it off in its metadata:
`{"plugins": {"cableparse": {"read_only": false}}}`.
"""
from .settings import PLUGIN_NAME

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_read_only(datasette) -> bool:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    return bool(config.get("read_only", True))


def refuse_writes(datasette):
    """The ASGI wrapper: decides once, when Datasette starts, from the plugin configuration."""
    def wrap(app):
        if not is_read_only(datasette):
            return app

        async def guard(scope, receive, send):
            if scope["type"] == "http" and scope.get("method", "GET").upper() not in READ_METHODS:
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", b"GET, HEAD, OPTIONS")]})
                await send({"type": "http.response.body",
                            "body": b"405 Method Not Allowed: this cable archive is read-only\n"})
                return
            await app(scope, receive, send)

        return guard

    return wrap
