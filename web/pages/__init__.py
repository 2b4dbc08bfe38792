"""Page handlers, one module per area of the LAN page; each has ``register(app)``."""
