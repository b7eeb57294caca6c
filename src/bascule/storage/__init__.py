"""Storage: the only package that imports SQLAlchemy."""

from sqlalchemy.exc import IntegrityError, OperationalError

__all__ = ["IntegrityError", "OperationalError"]
