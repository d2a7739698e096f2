"""Real SMTP servers on 127.0.0.1 (aiosmtpd) for the tests that deliver digests."""
import email
import email.policy
import socket

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and turns down chosen recipients."""

    def __init__(self, refuse=()):
        self.envelopes = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def received(self, index=0):
        return email.message_from_bytes(self.envelopes[index].original_content, policy=email.policy.default)


def accept_only(user: str, password: str):
    """An aiosmtpd authenticator that lets in one login."""
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, aiosmtpd_smtp.LoginPassword) and \
            (auth_data.login, auth_data.password) == (user.encode(), password.encode())
        # handled=False lets aiosmtpd answer the failure with its own 535 reply.
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)
    return authenticator


@pytest.fixture
def smtp():
    """Start real SMTP servers on 127.0.0.1 (on a given port, or a free one); all are stopped afterwards."""
    started = []

    def start(*, port=None, refuse=(), **options):
        mailbox = Mailbox(refuse)
        controller = aiosmtpd_controller.Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **options)
        controller.start()
        started.append(controller)
        return controller, mailbox

    yield start
    for controller in started:
        controller.stop()
