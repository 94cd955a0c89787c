"""Many rooms: the Wyoming protocol (Home Assistant's voice links) in both directions.

- ``server``: ``assistant serve --wyoming URI``, the assistant as Wyoming ``asr``, ``handle`` and ``tts`` services
  that Home Assistant (or any Wyoming client) can use;
- ``satellite``: ``assistant run --satellite URI``, the assistant driving Wyoming satellites (``wyoming-satellite``)
  as Home Assistant does, one voice loop per satellite.

``address`` parses the ``tcp://HOST:PORT`` URIs both use; ``pcm`` converts between Wyoming audio events and the
16 kHz int16 samples the recogniser and the synthesiser use.
"""
