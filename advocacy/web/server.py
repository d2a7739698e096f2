"""`advocacy serve`: run the application with uvicorn, on this machine only unless told otherwise."""
from __future__ import annotations

import ipaddress
import json
import os
import socket
from pathlib import Path

from advocacy.web.errors import RemoteServingRefused, WebError


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


# Where `advocacy serve --workers N` hands its settings to the worker processes, which uvicorn starts afresh.
SETTINGS_VARIABLE = "ADVOCACY_SERVE_SETTINGS"


def app_from_environment():
    """The application of one worker process, built from the settings the parent left in the environment."""
    from advocacy.config import Settings
    from advocacy.web import create_app

    given = json.loads(os.environ[SETTINGS_VARIABLE])
    return create_app(Settings(given["table"], Path(given["base_dir"]), given["source"]))


def serve(settings, *, host: str, port: int, allow_remote: bool = False, workers: int = 1, echo=print) -> None:
    """Run until interrupted, in ``workers`` processes (uvicorn shares the socket among them; each has its own
    stores and, for searches by meaning, its own copy of the embedding model). The accounts database is
    created first, so the hint about the first admin is right."""
    import uvicorn

    from advocacy.web import create_app
    from advocacy.web.accounts import Accounts

    check_host(host, allow_remote=allow_remote)
    if workers < 1:
        raise WebError(f"--workers must be 1 or more, not {workers}")
    if workers == 1:
        app = create_app(settings)
        accounts = app.state.accounts
    else:
        accounts = Accounts.from_settings(settings)
    if not any(user.role == "admin" and not user.disabled for user in accounts.users()):
        echo("No administrator yet: create one with `advocacy users add NAME --role admin`.")
    shown = f"[{host}]" if ":" in host else host
    where = f"http://{shown}:{port}/" if port else f"http://{shown} on a free port (uvicorn prints which)"
    processes = f", {workers} worker processes" if workers > 1 else ""
    echo(f"Advocacy Monitor on {where}  (API: /api, description: /openapi.json{processes}; Ctrl+C stops)")
    # Forwarded headers are trusted from a proxy on this machine only, so that an https proxy in front
    # marks cookies Secure while nobody else can claim to be one.
    options = dict(host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1", log_level="info")
    if workers == 1:
        uvicorn.run(app, **options)
        return
    os.environ[SETTINGS_VARIABLE] = json.dumps({"table": settings.table, "base_dir": str(settings.base_dir),
                                                "source": settings.source})
    uvicorn.run("advocacy.web.server:app_from_environment", factory=True, workers=workers, **options)
