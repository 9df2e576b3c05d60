"""The read-only integration API (JSON over HTTP, personal bearer tokens) and its OpenAPI description."""

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache

from jsonschema import Draft202012Validator
from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route

from models import Merchant
from onboarding.accounts import api_tokens
from onboarding.core import database, incidents
from onboarding.core.access import Actor
from onboarding.core.errors import DomainError, NotFound
from onboarding.core.i18n import pick
from onboarding.core.logs import get_logger, new_request_id, request_context, set_user
from onboarding.process import merchants
from onboarding.process.definition import default_process
from web import api_sandbox

PREFIX = "/api/v1"
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
MAX_SEARCH = 200
WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]{1,30}$")

log = get_logger("api")


class BadRequest(Exception):
    """A query parameter that cannot be understood; the message says which and why."""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _error(status: int, message: str, request_id: str, **headers) -> JSONResponse:
    return JSONResponse(
        {"error": message, "request_id": request_id},
        status_code=status,
        headers={"X-Request-ID": request_id, **headers},
    )


def _endpoint(action: str, handler: Callable[[Session, Actor, Request], dict]) -> Callable[[Request], JSONResponse]:
    """Wrap a handler with token check, request id, structured log line and error mapping."""

    def endpoint(request: Request) -> JSONResponse:
        request_id = request.headers.get("x-request-id", "")[:64] or new_request_id()
        with request_context(request_id), database.session() as session:
            actor = api_tokens.authenticate(session, _bearer(request))
            if actor is None:
                log.info("API request refused: no valid token", extra={"action": action, "status": 401})
                return _error(
                    401,
                    "A valid API token is required: send 'Authorization: Bearer <token>'.",
                    request_id,
                    **{"WWW-Authenticate": 'Bearer realm="onboarding"'},
                )
            set_user(actor.name)
            try:
                body = handler(session, actor, request)
            except BadRequest as error:
                status, response = 400, _error(400, str(error), request_id)
            except NotFound as error:
                status, response = 404, _error(404, str(error), request_id)
            except DomainError as error:
                status, response = 403, _error(403, str(error), request_id)
            except Exception as error:  # a client of the API reads JSON even when the server fails
                incident = incidents.record(error, f"API {action}")
                message = f"Something went wrong on our side (incident {incident}); nothing was changed."
                status, response = 500, _error(500, message, request_id)
            else:
                status, response = 200, JSONResponse(body, headers={"X-Request-ID": request_id})
            log.info("API request", extra={"action": action, "status": status, "path": request.url.path})
            return response

    return endpoint


class PathNotFound(NotFound):
    """A path parameter that cannot name anything (not a number, out of range): answered 404."""

    def __init__(self, message: str):
        super().__init__("error.merchant_not_found")
        self.message = message

    def __str__(self) -> str:
        return self.message


@cache
def _declared(operation_id: str) -> tuple[tuple[dict, Draft202012Validator], ...]:
    """The parameters the OpenAPI document declares for one operation, each with a validator of its values."""
    for path in openapi_document()["paths"].values():
        for operation in path.values():
            if operation["operationId"] == operation_id:
                return tuple(
                    (declared, Draft202012Validator(declared["schema"].get("items", declared["schema"])))
                    for declared in operation.get("parameters", ())
                )
    raise KeyError(operation_id)


def _coerce(name: str, raw: str, schema: dict):
    if schema.get("type") == "integer":
        if not WHOLE_NUMBER.match(raw.strip()):
            raise BadRequest(f"'{name}' must be a whole number (got '{raw[:40]}').")
        return int(raw)
    return raw


def _check(name: str, value, schema: dict, validator: Draft202012Validator) -> None:
    error = next(validator.iter_errors(value), None)
    if error is None:
        return
    if "enum" in schema:
        raise BadRequest(f"'{name}' must be one of {', '.join(map(str, schema['enum']))} (got '{str(value)[:40]}').")
    if "minimum" in schema or "maximum" in schema:
        raise BadRequest(
            f"'{name}' must be between {schema.get('minimum', '-∞')} and {schema.get('maximum', '∞')} (got {value})."
        )
    raise BadRequest(f"'{name}' is not valid: {error.message[:120]}")


def parameters(request: Request, operation_id: str) -> dict:
    """Every parameter of the request checked against the OpenAPI document (the one source of the rules).

    Lists may be repeated or comma-separated; a bad value is a 400 naming the parameter (404 in the path).
    """
    values: dict = {}
    for declared, validator in _declared(operation_id):
        name, schema, where = declared["name"], declared["schema"], declared["in"]
        raw = [request.path_params[name]] if where == "path" else request.query_params.getlist(name)
        try:
            if schema.get("type") == "array":
                parts = [part.strip() for value in raw for part in value.split(",")] if raw else []
                if any(part == "" for part in parts):
                    raise BadRequest(f"'{name}' has an empty value.")
                value = [_coerce(name, part, schema["items"]) for part in parts]
                for item in value:
                    _check(name, item, schema["items"], validator)
            elif not raw:
                value = schema.get("default")
            elif len(raw) > 1:
                raise BadRequest(f"'{name}' may be given only once.")
            else:
                value = _coerce(name, raw[0], schema)
                _check(name, value, schema, validator)
        except BadRequest as error:
            if where == "path":
                raise PathNotFound(f"There is no merchant {raw[0][:40]!r}: {error}") from None
            raise
        values[name] = value
    return values


def _stage(index: int) -> dict:
    stages = default_process().stages
    if index >= len(stages):
        return {"index": index, "key": "live", "title": "Live"}
    return {"index": index, "key": stages[index].key, "title": pick(stages[index].title, "en")}


def list_merchants(session: Session, actor: Actor, request: Request) -> dict:
    """One page of merchants with stage, progress, status, owner and dates, filtered like the Pipeline."""
    stage_keys = {stage.key: stage.index for stage in default_process().stages} | {
        "live": len(default_process().stages)
    }
    given = parameters(request, "listMerchants")
    stages = [*given["stage_index"], *(stage_keys[key] for key in given["stage"])]
    filters = merchants.PipelineFilter(
        stages=tuple(stages),
        owner_ids=tuple(given["owner"]),
        statuses=tuple(given["status"]),
        search=given["search"] or "",
    )
    page, per_page = given["page"], given["per_page"]
    result = merchants.pipeline(session, actor, filters, page=page, per_page=per_page)
    chosen = result.rows
    dates = {
        merchant_id: (created, entered, launched)
        for merchant_id, created, entered, launched in session.exec(
            select(Merchant.id, Merchant.created_at, Merchant.stage_entered_at, Merchant.launched_at).where(
                col(Merchant.id).in_([row["id"] for row in chosen])
            )
        )
    }
    items = []
    for row in chosen:
        created, entered, launched = dates[row["id"]]
        items.append(
            {
                "id": row["id"],
                "name": row["name"],
                "website": row["website"],
                "country": row["country"],
                "shop_platform": row["shop_platform"],
                "integration_mode": row["integration_mode"],
                "stage": _stage(row["stage"]),
                "progress": row["progress"],
                "status": row["status"],
                "owner": {"id": row["owner_id"], "name": row["owner"]} if row["owner_id"] else None,
                "days_in_stage": row["days_in_stage"],
                "created_at": _iso(created),
                "stage_entered_at": _iso(entered),
                "last_activity_at": _iso(row["last_activity"]),
                "launched_at": _iso(launched),
            }
        )
    return {
        "items": items,
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
    }


def get_merchant(session: Session, actor: Actor, request: Request) -> dict:
    """One merchant with its stages and every applicable checklist item's status."""
    view = merchants.merchant_view(session, actor, parameters(request, "getMerchant")["merchant_id"])
    merchant, process = view.merchant, default_process()
    return {
        "id": merchant.id,
        "name": merchant.name,
        "website": merchant.website,
        "country": merchant.country,
        "contact_name": merchant.contact_name,
        "contact_email": merchant.contact_email,
        "shop_platform": merchant.shop_platform,
        "integration_mode": merchant.integration_mode,
        "sandbox_account": merchant.sandbox_account,
        "status": merchant.status,
        "stage": _stage(merchant.current_stage),
        "progress": merchant.progress,
        "owner": {"id": merchant.owner_id, "name": view.owner_name} if merchant.owner_id else None,
        "created_at": _iso(merchant.created_at),
        "stage_entered_at": _iso(merchant.stage_entered_at),
        "last_activity_at": _iso(merchant.last_activity_at),
        "launched_at": _iso(merchant.launched_at),
        "stages": [
            {
                **_stage(state.index),
                "open": state.is_open,
                "complete": state.is_complete,
                "overridden": state.overridden,
                "done": state.done,
                "total": state.total,
            }
            for state in view.derived.stages
        ],
        "items": [
            {
                "key": item.key,
                "title": pick(process.item(item.key).title, "en"),
                "stage_index": item.stage_index,
                "owner": item.owner,
                "evidence": item.evidence,
                "status": item.status,
                "version": item.version,
                "rejection_reason": item.rejection_reason,
                "updated_by": item.updated_by,
                "updated_at": _iso(item.updated_at),
                "submissions": len(item.submissions),
            }
            for item in view.items
        ],
    }


def openapi(_request: Request) -> JSONResponse:
    """The OpenAPI 3.1 description of this API (public, so tools can discover it)."""
    return JSONResponse(openapi_document())


def openapi_document() -> dict:
    """The OpenAPI description as a dict."""
    stage_keys = [stage.key for stage in default_process().stages] + ["live"]
    error = api_sandbox.error_response()
    person = {
        "type": ["object", "null"],
        "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}},
    }
    stage = {
        "type": "object",
        "properties": {
            "index": {"type": "integer"},
            "key": {"type": "string", "enum": stage_keys},
            "title": {"type": "string"},
        },
    }
    timestamp = {"type": ["string", "null"], "format": "date-time"}
    summary = {
        "type": "object",
        "required": ["id", "name", "stage", "progress", "status"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "website": {"type": "string"},
            "country": {"type": "string"},
            "shop_platform": {"type": "string"},
            "integration_mode": {"type": "string"},
            "stage": {"$ref": "#/components/schemas/Stage"},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "status": {"type": "string", "enum": list(merchants.MERCHANT_STATUSES)},
            "owner": person,
            "days_in_stage": {"type": "integer"},
            "created_at": timestamp,
            "stage_entered_at": timestamp,
            "last_activity_at": timestamp,
            "launched_at": timestamp,
        },
    }
    item = {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "title": {"type": "string"},
            "stage_index": {"type": "integer"},
            "owner": {"type": "string"},
            "evidence": {"type": "string"},
            "status": {"type": "string"},
            "version": {"type": "integer"},
            "rejection_reason": {"type": ["string", "null"]},
            "updated_by": {"type": ["string", "null"]},
            "updated_at": timestamp,
            "submissions": {"type": "integer"},
        },
    }

    def listed(name: str, description: str, items: dict) -> dict:
        # comma-separated (style form, not exploded); repeating the parameter is accepted too
        return {
            "name": name,
            "in": "query",
            "description": description,
            "style": "form",
            "explode": False,
            # an empty value ("status=") is a mistake, not "no filter": leave the parameter out instead
            "schema": {"type": "array", "items": items, "minItems": 1},
        }

    identifier = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    query = [
        listed("stage", "Stage keys, comma-separated (or repeated)", {"type": "string", "enum": stage_keys}),
        listed(
            "stage_index",
            "Stage numbers (0-based; the last one is live), comma-separated (or repeated)",
            {"type": "integer", "minimum": 0, "maximum": len(stage_keys) - 1},
        ),
        listed(
            "status",
            "Merchant statuses, comma-separated (or repeated)",
            {"type": "string", "enum": list(merchants.MERCHANT_STATUSES)},
        ),
        listed("owner", "Owners' user ids, comma-separated (or repeated)", identifier),
        {
            "name": "search",
            "in": "query",
            "description": "Text in name, website, contact or e-mail",
            "schema": {"type": "string", "maxLength": MAX_SEARCH, "default": ""},
        },
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        },
    ]
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "PingPong onboarding tracker integration API",
            "version": "1.0.0",
            "description": "Read-only merchant onboarding data for CRM and reporting tools. Staff create "
            "personal tokens on the Admin page and send them as 'Authorization: Bearer <token>'.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            f"{PREFIX}/merchants": {
                "get": {
                    "operationId": "listMerchants",
                    "summary": "Merchants with stage, progress, status, owner and dates",
                    "parameters": query,
                    "responses": {
                        "200": api_sandbox.paged_response("One page of merchants", "MerchantSummary"),
                        "400": error,
                        "401": error,
                    },
                }
            },
            f"{PREFIX}/merchants/{{merchant_id}}": {
                "get": {
                    "operationId": "getMerchant",
                    "summary": "One merchant with its stages and checklist items",
                    "parameters": [{"name": "merchant_id", "in": "path", "required": True, "schema": identifier}],
                    "responses": {
                        "200": {
                            "description": "The merchant",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/MerchantDetail"}}
                            },
                        },
                        "400": error,
                        "401": error,
                        "404": error,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "request_id": {"type": "string"}},
                },
                "Stage": stage,
                "MerchantSummary": summary,
                "MerchantDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/MerchantSummary"},
                        {
                            "type": "object",
                            "properties": {
                                "contact_name": {"type": "string"},
                                "contact_email": {"type": "string"},
                                "sandbox_account": {"type": "string"},
                                "stages": {
                                    "type": "array",
                                    "items": {
                                        "allOf": [
                                            {"$ref": "#/components/schemas/Stage"},
                                            {
                                                "type": "object",
                                                "properties": {
                                                    "open": {"type": "boolean"},
                                                    "complete": {"type": "boolean"},
                                                    "overridden": {"type": "boolean"},
                                                    "done": {"type": "integer"},
                                                    "total": {"type": "integer"},
                                                },
                                            },
                                        ]
                                    },
                                },
                                "items": {"type": "array", "items": item},
                            },
                        },
                    ]
                },
            },
        },
    }
    api_sandbox.add_openapi(document)
    return document


def _known() -> list[Route]:
    return [
        *api_sandbox.routes(),
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(f"{PREFIX}/merchants", _endpoint("api_list_merchants", list_merchants), methods=["GET"]),
        # any text matches here, so the id is checked against the document and answered in JSON
        Route(f"{PREFIX}/merchants/{{merchant_id}}", _endpoint("api_get_merchant", get_merchant), methods=["GET"]),
    ]


def routes() -> list[BaseRoute]:
    """The integration API's routes."""
    return _known()


def fallback() -> list[BaseRoute]:
    """Anything else under /api/v1/ is a JSON 404 (or 405), never the app's page; web.routes() puts it last."""
    known = _known()

    def unknown(request: Request) -> JSONResponse:
        for route in known:
            if route.matches(request.scope)[0] == Match.PARTIAL:
                allowed = ", ".join(sorted(route.methods))
                raise HTTPException(405, "This method is not allowed here.", headers={"Allow": allowed})
        raise HTTPException(404, f"There is nothing at {request.url.path[:200]}; see {PREFIX}/openapi.json.")

    return [Route(f"{PREFIX}/{{rest:path}}", unknown), Route(PREFIX, unknown)]
