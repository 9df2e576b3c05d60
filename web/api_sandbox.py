"""The integration API's sandbox routes: a merchant's sandbox request log and its acceptance cases."""

from sqlmodel import Session
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from onboarding.core.access import Actor
from onboarding.core.errors import NotFound
from onboarding.core.i18n import translate
from onboarding.gateway import coverage, request_log

MAX_PER_PAGE = request_log.MAX_PER_PAGE
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000
MAX_ID = 2**31 - 1


def error_response() -> dict:
    """An OpenAPI response whose body is the API's `Error` object."""
    return {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def paged_response(description: str, item_schema: str) -> dict:
    """An OpenAPI 200 response holding one page of `item_schema` objects and the paging figures."""
    page = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item_schema}"}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }
    return {"description": description, "content": {"application/json": {"schema": page}}}


def _merchant_id(request: Request) -> int:
    """The path's merchant id; one no database could hold is simply not found."""
    merchant_id = request.path_params["merchant_id"]
    if not 1 <= merchant_id <= MAX_ID:
        raise NotFound("error.merchant_not_found")
    return merchant_id


def _whole(request: Request, name: str, default: int, low: int, high: int) -> int:
    from web.api import BadRequest

    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or len(raw.strip()) > 9 or not low <= int(raw) <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high} (got '{raw[:40]}').")
    return int(raw)


def sandbox_requests(session: Session, actor: Actor, request: Request) -> dict:
    """One page of the merchant's sandbox calls, newest first, with diagnosis and notifications; never a secret."""
    from web.api import BadRequest

    source = request.query_params.get("source") or None
    if source is not None and source not in request_log.SOURCES:
        raise BadRequest(f"'source' must be one of {', '.join(request_log.SOURCES)} (got '{source[:40]}').")
    found = request_log.requests_for(
        session,
        actor,
        _merchant_id(request),
        page=_whole(request, "page", 1, 1, MAX_PAGE),
        per_page=_whole(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        source=source,
    )
    return {
        "items": [request_log.as_json(item) for item in found.items],
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "pages": found.pages,
    }


def acceptance(session: Session, actor: Actor, request: Request) -> dict:
    """Each acceptance case with whether the merchant's own traffic showed it and whether the app's run passed it."""
    merchant_id = _merchant_id(request)
    cases = coverage.coverage_for(session, actor, merchant_id)
    return {
        "merchant_id": merchant_id,
        "cases": [coverage.as_json(case, translate(f"gateway.case.{case.key}")) for case in cases],
    }


def routes() -> list[BaseRoute]:
    """The sandbox routes, wrapped like every other API route (token, request id, log line, JSON errors)."""
    from web.api import PREFIX, _endpoint

    return [
        Route(
            f"{PREFIX}/merchants/{{merchant_id:int}}/sandbox-requests",
            _endpoint("api_sandbox_requests", sandbox_requests),
            methods=["GET"],
        ),
        Route(
            f"{PREFIX}/merchants/{{merchant_id:int}}/acceptance",
            _endpoint("api_acceptance", acceptance),
            methods=["GET"],
        ),
    ]


def _merchant_parameter() -> dict:
    return {
        "name": "merchant_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


def add_openapi(document: dict) -> None:
    """Describe the sandbox routes and their schemas in the API's OpenAPI document."""
    prefix = "/api/v1"
    error = error_response()
    timestamp = {"type": ["string", "null"], "format": "date-time"}
    attempt = {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "at": timestamp,
            "delivered": {"type": "boolean"},
            "http_status": {"type": ["integer", "null"]},
            "answer": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
        },
    }
    logged = {
        "type": "object",
        "required": ["id", "received_at", "endpoint", "source", "code"],
        "properties": {
            "id": {"type": "integer"},
            "received_at": timestamp,
            "endpoint": {"type": "string", "examples": ["/v4/payment/unifiedPay"]},
            "source": {"type": "string", "enum": list(request_log.SOURCES)},
            "run_id": {"type": ["integer", "null"]},
            "acc_id": {"type": "string"},
            "sign_type": {"type": ["string", "null"]},
            "http_status": {"type": "integer"},
            "code": {"type": "string"},
            "code_words": {"type": "string"},
            "description": {"type": "string"},
            "merchant_transaction_id": {"type": ["string", "null"]},
            "transaction_id": {"type": ["string", "null"]},
            "elapsed_ms": {"type": "integer"},
            "request": {
                "description": "The envelope with bizContent parsed; card numbers first six and last four, "
                "no CVV, no salt"
            },
            "response": {"description": "The answer with bizContent parsed"},
            "diagnosis": {
                "type": ["object", "null"],
                "description": "For a refused signature: the string that should have been signed (salt as <salt>) "
                "and what was left out or differs",
                "properties": {
                    "string_to_sign": {"type": "string"},
                    "sign_type": {"type": "string"},
                    "signed_fields": {"type": "array", "items": {"type": "string"}},
                    "left_out": {"type": "array", "items": {"type": "string"}},
                    "differs": {"type": "array", "items": {"type": "string"}},
                    "findings": {"type": "array", "items": {"type": "object"}},
                    "explained": {"type": "boolean"},
                },
            },
            "notifications": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "notify_type": {"type": ["string", "null"]},
                        "url": {"type": "string"},
                        "state": {"type": "string", "enum": ["pending", "delivered", "gave_up"]},
                        "created_at": timestamp,
                        "delivered_at": timestamp,
                        "attempts": {"type": "array", "items": attempt},
                    },
                },
            },
        },
    }
    case = {
        "type": "object",
        "required": ["key", "applies", "seen_in_merchant_traffic", "run_by_app"],
        "properties": {
            "key": {"type": "string", "enum": list(coverage.REFERENCE_FIELDS)},
            "title": {"type": "string"},
            "applies": {"type": "boolean"},
            "seen_in_merchant_traffic": {"type": "boolean"},
            "merchant_traffic": {"type": "array", "items": {"type": "object"}},
            "run_by_app": {"type": "boolean"},
            "app_run": {"type": ["object", "null"]},
            "verified_by_query": {"type": "boolean"},
            "query_check": {"type": ["object", "null"]},
        },
    }
    document["paths"][f"{prefix}/merchants/{{merchant_id}}/sandbox-requests"] = {
        "get": {
            "operationId": "listSandboxRequests",
            "summary": "The merchant's sandbox request log, newest first",
            "parameters": [
                _merchant_parameter(),
                {"name": "source", "in": "query", "schema": {"type": "string", "enum": list(request_log.SOURCES)}},
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
            ],
            "responses": {
                "200": paged_response("One page of logged calls", "SandboxRequest"),
                "400": error,
                "401": error,
                "404": error,
            },
        }
    }
    document["paths"][f"{prefix}/merchants/{{merchant_id}}/acceptance"] = {
        "get": {
            "operationId": "getAcceptance",
            "summary": "Acceptance cases A–H: seen in the merchant's traffic, run by the app, verified by query",
            "parameters": [_merchant_parameter()],
            "responses": {
                "200": {
                    "description": "Every case",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "merchant_id": {"type": "integer"},
                                    "cases": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/AcceptanceCase"},
                                    },
                                },
                            }
                        }
                    },
                },
                "401": error,
                "404": error,
            },
        }
    }
    document["components"]["schemas"]["SandboxRequest"] = logged
    document["components"]["schemas"]["AcceptanceCase"] = case
