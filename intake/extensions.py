"""Unbound extension objects, initialised in the application factory."""

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    Model = Base  # db.Model is made from Base when the app runs: type checkers see Base
else:
    Model = db.Model

csrf = CSRFProtect()
migrate = Migrate()
