"""Refuse writes at the door: the archive is published read-only.

Datasette 0.65 answers a POST to a table page with a failed assertion (a 500);
a published archive should say plainly that it takes no writes. Only GET, HEAD
and OPTIONS reach Datasette; anything else gets 405 with an Allow header.
"""
from datasette import hookimpl

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope.get("method", "GET").upper() not in READ_METHODS:
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", b"GET, HEAD, OPTIONS")]})
                await send({"type": "http.response.body",
                            "body": b"405 Method Not Allowed: this cable archive is read-only\n"})
                return
            await app(scope, receive, send)

        return read_only

    return wrap
