from __future__ import annotations


async def test_health_reports_the_database_reachable(client):
    answer = await client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["database"] == "ok"
    assert answer.json()["status"] == "ok"


def test_every_api_route_has_an_explicit_operation_id(app):
    missing = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if route.path.startswith("/schema") or not handler.resolve_include_in_schema():
                continue
            if not handler.operation_id:
                missing.append(f"{route.path} {handler.handler_name}")
    assert missing == []
