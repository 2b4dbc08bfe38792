"""The LAN web page: a Bottle app served by waitress, talking only to the SQLite file (see docs/web.md)."""
