"""Alexa's service APIs, answered on this machine: settings, address, profile, reminders, timers, lists, in-skill
purchasing, progressive responses.

Skills call them with the ASK SDKs' service clients, which build their URLs from the request's ``apiEndpoint`` and
authenticate with its ``apiAccessToken``. Here the endpoint is an HTTPS server of the assistant's own
(``server.py``), reached from inside each skill's sandbox through a Unix socket (``access.py``); the token is issued
per skill and request (``tokens.py``) and is all the server trusts. The data lives in the installation's sqlite
database (``assistant.skills.schema``). Nothing here ever opens a connection off the machine.
"""
