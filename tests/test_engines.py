"""The shared engines: one per database, even when several threads ask for it at the same moment."""

import threading

from models import db


def test_threads_asking_at_once_share_one_engine_per_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    start = threading.Barrier(16)
    seen = []

    def ask() -> None:
        start.wait()
        seen.append(db.get_engine(url))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(seen) == 16 and len({id(engine) for engine in seen}) == 1
    finally:
        db.dispose_engines()
