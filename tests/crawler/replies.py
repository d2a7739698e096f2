"""Answers of the small HTTP servers the crawler tests run on 127.0.0.1."""


def reply(handler, content_type: str, body: str, status: int = 200) -> None:
    """Send ``body`` as a complete answer from a BaseHTTPRequestHandler."""
    data = body.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
