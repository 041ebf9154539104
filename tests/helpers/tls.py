"""TLS for tests: throwaway certificates for 127.0.0.1 and a server that answers no logs.

`write_tls_files` makes a CA and a leaf certificate it signed (trusted once the CA is in
`SSL_CERT_FILE`); `self_signed` makes a certificate signed by its own key (never trusted).
Both need `cryptography` (installed with secretstorage) and skip the test without it.
`answer_empty_logs` is an `asyncio.start_server` callback that answers any one request
with `{"logs": []}` and closes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest


def write_tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for 127.0.0.1 signed by it: (ca, cert, key) PEMs."""
    crypto = pytest.importorskip("cryptography.x509")  # installed with secretstorage
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    now, pem = datetime.now(UTC), serialization.Encoding.PEM
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())

    def name(text: str) -> Any:
        return crypto.Name([crypto.NameAttribute(crypto.NameOID.COMMON_NAME, text)])

    def build(subject: str, public: Any, ca: bool) -> Any:
        builder = (
            crypto.CertificateBuilder().subject_name(name(subject)).issuer_name(name("test CA"))
            .public_key(public).serial_number(crypto.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(crypto.BasicConstraints(ca=ca, path_length=None), critical=True)
        )  # fmt: skip
        if not ca:
            ip = crypto.IPAddress(ipaddress.ip_address("127.0.0.1"))
            builder = builder.add_extension(crypto.SubjectAlternativeName([ip]), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(build("test CA", ca_key.public_key(), True).public_bytes(pem))
    paths[1].write_bytes(build("127.0.0.1", leaf_key.public_key(), False).public_bytes(pem))
    private = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    paths[2].write_bytes(leaf_key.private_bytes(pem, *private))
    return paths


async def answer_empty_logs(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one HTTP request, answer `200 {"logs": []}` and close the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
    await reader.readexactly(int(length.group(1)) if length else 0)
    body = b'{"logs": []}'
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key: (cert, key) PEMs."""
    crypto = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = crypto.Name([crypto.NameAttribute(crypto.NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    san = crypto.SubjectAlternativeName([crypto.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        crypto.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(crypto.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(san, critical=False).sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "self.pem", folder / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
