"""Dependencies shared by the routers, as ``Annotated[..., Depends()]`` aliases."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ctxprune.api import Engine
from ctxprune.config import Settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
