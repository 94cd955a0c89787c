"""The local certificate authority that makes the API server's HTTPS trusted by every skill.

Made once per installation (``assistant setup``, or first use) with the ``openssl`` command: a CA whose key never
leaves ``<data>/api/``, and a server certificate it signs for ``127.0.0.1``, ``localhost`` and Amazon's API host
names (``API_HOSTS``: some SDK clients, such as ask-sdk-model's list client, call ``https://api.amazonalexa.com``
whatever the request's ``apiEndpoint``; inside a sandbox that name is the local server, see ``access.py``). Skills trust it
through a bundle (the system's CAs plus this one) that their workers' ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE`` and
``NODE_EXTRA_CA_CERTS`` name. Elliptic-curve keys (P-256) keep the making fast (a few ms).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

logger = logging.getLogger(__name__)

SYSTEM_BUNDLES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),  # Debian, Ubuntu
    Path("/etc/pki/tls/certs/ca-bundle.crt"),  # Fedora, RHEL
    Path("/etc/ssl/cert.pem"),  # Alpine, macOS
)
"""Where the system's CA bundle may be; the first that exists goes into the skills' bundle."""
API_HOSTS = ("api.amazonalexa.com", "api.eu.amazonalexa.com", "api.fe.amazonalexa.com")
"""Amazon's API host names, which the server's certificate also names (trusted only by the skills' bundle)."""
SUBJECT_NAMES = "IP:127.0.0.1,DNS:localhost," + ",".join(f"DNS:{h}" for h in API_HOSTS)
"""The server certificate's subjectAltName."""
DAYS = 3650
"""Validity of the CA and of the server certificate, days."""


class CertificateError(AssistantError):
    """The local CA or the server certificate cannot be made."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """The files of the local CA (all under one folder)."""

    folder: Path
    """``<data>/api``."""

    @property
    def ca(self) -> Path:
        """The CA certificate (PEM)."""
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        """The CA's private key; only the assistant reads it."""
        return self.folder / "ca.key"

    @property
    def certificate(self) -> Path:
        """The server certificate for 127.0.0.1 and localhost, signed by the CA."""
        return self.folder / "server.pem"

    @property
    def key(self) -> Path:
        """The server's private key."""
        return self.folder / "server.key"

    @property
    def bundle(self) -> Path:
        """The system's CAs and the local one: what skills trust."""
        return self.folder / "ca-bundle.pem"

    @property
    def names(self) -> Path:
        """The subjectAltName the server certificate was made with (an older one is made again)."""
        return self.folder / "server.names"

    def complete(self) -> bool:
        """True when every file is there, and the server certificate names what it must."""
        files = (self.ca, self.ca_key, self.certificate, self.key, self.bundle, self.names)
        return all(p.is_file() for p in files) and self.names.read_text(encoding="ascii").strip() == SUBJECT_NAMES


def ensure_credentials(folder: Path) -> Credentials:
    """The CA and server certificate in ``folder``, made now if missing."""
    credentials = Credentials(folder)
    if credentials.complete():
        return credentials
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError(
            "the openssl command is needed to make the local API server's certificate "
            "(Debian/Ubuntu: apt-get install openssl)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(
        [openssl, "req", "-x509", *ec, "-keyout", str(credentials.ca_key), "-out", str(credentials.ca),
         "-days", str(DAYS), "-subj", "/CN=Assistant local Alexa API CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    )
    request = folder / "server.csr"
    _run([openssl, "req", *ec, "-keyout", str(credentials.key), "-out", str(request), "-subj", "/CN=127.0.0.1"])
    extensions = folder / "server.ext"
    extensions.write_text(
        f"subjectAltName={SUBJECT_NAMES}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        encoding="ascii",
    )
    _run(
        [openssl, "x509", "-req", "-in", str(request), "-CA", str(credentials.ca), "-CAkey", str(credentials.ca_key),
         "-CAcreateserial", "-out", str(credentials.certificate), "-days", str(DAYS), "-extfile", str(extensions)],
    )
    for leftover in (request, extensions, folder / "ca.srl"):
        leftover.unlink(missing_ok=True)
    write_bundle(credentials)
    credentials.names.write_text(SUBJECT_NAMES + "\n", encoding="ascii")
    logger.info("made the local API server's CA in %s", folder)
    return credentials


def write_bundle(credentials: Credentials) -> None:
    """The skills' CA bundle: the system's CAs (when the machine has a bundle) and the local CA."""
    parts = [credentials.ca.read_text(encoding="ascii")]
    for system in SYSTEM_BUNDLES:
        if system.is_file():
            parts.insert(0, system.read_text(encoding="utf-8", errors="replace"))
            break
    temporary = credentials.bundle.with_suffix(".tmp")
    temporary.write_text("\n".join(parts), encoding="utf-8")
    os.replace(temporary, credentials.bundle)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CertificateError(f"cannot make the local API certificate ({command[1]}): {done.stderr.strip()}")
