"""Bascule: the lead to opportunity switch, explicit and measured."""

__version__ = "0.1.0"
