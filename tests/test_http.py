"""The real server over HTTP: the health route."""

import httpx


def test_health_answers_ok_with_the_database_state(server):
    response = httpx.get(f"{server['url']}/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert httpx.get(f"{server['url']}/", timeout=10).status_code == 200


def test_health_answers_503_naming_the_database_when_it_cannot_be_read(server):
    database = server["data_dir"] / "onboarding.db"
    assert httpx.get(f"{server['url']}/api/health", timeout=10).status_code == 200
    # root ignores file modes, so make the file unreadable as a database: overwrite its header
    with open(database, "r+b") as handle:
        handle.write(b"not a database " * 300)
    database.chmod(0)
    response = httpx.get(f"{server['url']}/api/health", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"].startswith("error")
