"""Storage: the only package that imports SQLAlchemy."""

from sqlalchemy.exc import DataError, IntegrityError, OperationalError

__all__ = ["DataError", "IntegrityError", "OperationalError"]
