"""``Services``: the API server with every API this assistant answers, as the runtime starts it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from assistant.services import monetization, settings_api
from assistant.services.access import ApiAccess, write_hosts
from assistant.services.alerts import Alerts
from assistant.services.directives import Progressive
from assistant.services.lists import Lists
from assistant.services.permissions import Permissions
from assistant.services.server import ApiServer, Route
from assistant.services.tls import ensure_credentials
from assistant.services.tokens import TokenIssuer
from assistant.services.userdata import UserSettings
from assistant.settings import Settings
from assistant.skills.store import AttributeStore

logger = logging.getLogger(__name__)


class Services:
    """Alexa's service APIs for one running assistant: started on first use (``start``), stopped by ``stop``."""

    def __init__(
        self, settings: Settings, store: AttributeStore, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.settings = settings
        """Where the data and the CA live."""
        self.store = store
        """The installation's database."""
        self.clock = clock or (lambda: datetime.now(UTC))
        """The engine's clock: what "now" is for reminders and timers."""
        self.issuer = TokenIssuer()
        """Issues and checks ``apiAccessToken``."""
        self.user = UserSettings(store, settings.locale)
        """The user's settings (time zone, units, address, profile)."""
        self.permissions = Permissions(store)
        """What the user granted each skill."""
        self.catalog = monetization.Catalog(store)
        """In-skill products and what the user bought."""
        self.alerts = Alerts(store, self.user, lambda: self.clock())
        """Reminders and timers."""
        self.lists = Lists(store)
        """Household lists and the skills' own."""
        self.progressive = Progressive()
        """Progressive responses (``VoicePlayer.Speak``)."""
        self.trusted: set[str] = set()
        """Skills granted every permission without asking (the bundled ones, which are the assistant's own)."""
        self._server: ApiServer | None = None
        self._access: ApiAccess | None = None

    def routes(self) -> list[Route]:
        """Every API served."""
        return [
            *settings_api.routes(self.user),
            *monetization.routes(self.catalog),
            *self.alerts.routes(),
            *self.lists.routes(),
            *self.progressive.routes(),
        ]

    def granted(self, skill: str, permission: str) -> bool:
        """Whether ``skill`` may use ``permission`` (a bundled skill may use all)."""
        return skill in self.trusted or self.permissions.granted(skill, permission)

    def start(self) -> ApiAccess:
        """Start the server (once) and return how workers reach it."""
        if self._access is None:
            credentials = ensure_credentials(self.settings.data_dir / "api")
            server = ApiServer(self.routes(), self.issuer, credentials, self.granted)
            server.start()
            self._server = server
            hosts = write_hosts(credentials.folder / "hosts")
            self._access = ApiAccess(server.socket_path, credentials.bundle, self.issuer, hosts)
        return self._access

    def stop(self) -> None:
        """Stop the server; stopping a stopped one does nothing."""
        server, self._server, self._access = self._server, None, None
        if server is not None:
            server.stop()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
