"""Exceptions of the brief stage."""


class BriefError(Exception):
    """Base class of the brief stage's errors."""


class TemplateNotFound(BriefError):
    """No template of that name exists; the message lists the available ones."""


class TemplateRenderError(BriefError):
    """A template failed to render, or tried something the sandbox forbids."""


class InputsError(BriefError):
    """The author's inputs file (position, arguments, asks, recommendations) cannot be read or is malformed."""
