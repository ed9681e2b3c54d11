"""The one exception type users see: a one-line message naming what is wrong and where."""


class LiteMicroError(Exception):
    """A problem with the user's input (model, target, options). The CLI prints it and exits 2."""


class UnsupportedError(LiteMicroError):
    """The model uses something litemicro cannot compile (an op, a type, a shape)."""
