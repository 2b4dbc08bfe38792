"""The modem layer: PDU codec, AT session, serial channel, SIMCom driver and emulator.

Knows nothing of SQL, the web page or GPIO.
"""
