"""The LAN web page (Bottle). Arrives with issue #5."""
