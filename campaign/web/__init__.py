"""The local web app and HTTP API (`campaign serve`): FastAPI routes over the use cases of `campaign.app`.

Routes only parse a request, call one use case and answer its document; the
workspace (`workspace`) resolves scenario names by an allow-list.
"""

from __future__ import annotations

from campaign.web.server import create_app

__all__ = ["create_app"]
