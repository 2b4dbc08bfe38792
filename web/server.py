"""Serving the LAN page with waitress (a production WSGI server; Bottle's own server is for development)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import waitress
from waitress.server import create_server

from firmware.box.memory import return_big_buffers
from firmware.office.config import Config
from web.app import MAX_BODY, make_app

log = logging.getLogger(__name__)

THREADS = 4  # an office has a handful of people on the page; the Pi has four cores


def build_server(config: Config, host: str | None = None, port: int | None = None, *,
                 clock: Callable[[], float] = time.time):
    """A waitress server for the page, not yet running (``.run()``; ``.close()``; ``.effective_port``)."""
    app = make_app(config, clock=clock)
    server = create_server(app, host=host or config.web_host, port=config.web_port if port is None else port,
                           threads=THREADS, ident="Siaran", max_request_body_size=MAX_BODY + 1024 * 1024,
                           connection_limit=100, channel_timeout=60, clear_untrusted_proxy_headers=True)
    server.siaran_app = app  # the Bottle app itself (waitress wraps it); tests list its routes
    return server


def stop(server) -> None:
    """Stop a server from :func:`build_server`: its worker threads, its socket, then its store connections."""
    server.task_dispatcher.shutdown()
    server.close()
    server.siaran_app.config["siaran.site"].close()


def serve(config: Config, host: str | None = None, port: int | None = None) -> None:
    return_big_buffers()  # before the threads start: logins' scrypt buffers go back to the system
    server = build_server(config, host, port)
    log.info("web page on http://%s:%s/", server.effective_host, server.effective_port)
    try:
        server.run()
    finally:
        stop(server)


__all__ = ["build_server", "serve", "stop", "waitress"]
