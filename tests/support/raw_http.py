"""HTTP requests a client library would not send: a Content-Length without its body, a hand-made chunked body."""
from __future__ import annotations

import socket
from typing import Dict, Sequence
from urllib.parse import urlsplit


def raw_request(url: str, method: str, target: str, headers: Dict[str, str], body: bytes = b"",
                chunks: Sequence[bytes] = ()) -> int:
    """Sends the request line, `headers`, then `body` as it is (whatever Content-Length says) or `chunks` in
    chunked encoding; returns the status the server answers (within 5 seconds)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode() + body)
        if chunks:
            sock.sendall(b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n")
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return int(answer.split(b" ", 2)[1])
