"""The Raspberry Pi itself: modem power over GPIO, front panel, under-voltage, clock, USB drop, logging."""
