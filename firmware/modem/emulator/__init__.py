"""An emulated SIMCom modem (SIM800/SIM7600) following 27.005/27.007, and its pseudo-terminal."""
