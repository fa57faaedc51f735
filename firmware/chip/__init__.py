"""The ID card's chip (ICAO 9303 eMRTD, TD1): access (BAC), secure messaging, the data groups and passive
authentication. Pure protocol code: it speaks APDUs through any `transmit(bytes) -> (data, sw)`, so the Pi's
PC/SC reader (hw/cardreader.py) and the simulator's virtual card (virtual_card.py) run the same path
(firmware/devices/card_reading.py)."""
