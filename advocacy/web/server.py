"""`advocacy serve`: run the application with uvicorn, on this machine only unless told otherwise."""
from __future__ import annotations

import ipaddress
import socket

from advocacy.web.errors import RemoteServingRefused


def is_loopback(host: str) -> bool:
    """True when only this machine can reach ``host``: 127.0.0.0/8, ::1, or a name resolving only to those."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_host(host: str, *, allow_remote: bool) -> None:
    if allow_remote or is_loopback(host):
        return
    raise RemoteServingRefused(
        f"refusing to listen on {host}: other machines could reach the server there, and over plain HTTP "
        "their passwords and session cookies would cross the network unencrypted. Serve on 127.0.0.1 behind "
        "an HTTPS reverse proxy (nginx, Caddy), or pass --allow-remote if the network is trusted")


def serve(settings, *, host: str, port: int, allow_remote: bool = False, echo=print) -> None:
    """Run until interrupted. The accounts database is created first, so the hint about the first admin
    is right."""
    import uvicorn

    from advocacy.web import create_app

    check_host(host, allow_remote=allow_remote)
    app = create_app(settings)
    if not any(user.role == "admin" and not user.disabled for user in app.state.accounts.users()):
        echo("No administrator yet: create one with `advocacy users add NAME --role admin`.")
    shown = f"[{host}]" if ":" in host else host
    where = f"http://{shown}:{port}/" if port else f"http://{shown} on a free port (uvicorn prints which)"
    echo(f"Advocacy Monitor on {where}  (API: /api, description: /openapi.json; Ctrl+C stops)")
    # Forwarded headers are trusted from a proxy on this machine only, so that an https proxy in front
    # marks cookies Secure while nobody else can claim to be one.
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                log_level="info")
