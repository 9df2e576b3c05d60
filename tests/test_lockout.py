"""The lockout holds under parallel guesses on the test's database (SQLite, and PostgreSQL in that leg)."""

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from models import HistoryEvent, LoginThrottle
from models.db import get_engine
from onboarding.accounts import auth


def test_parallel_wrong_guesses_are_each_counted_once_and_lock_the_account(database_url, session, admin):
    def guess(_number: int) -> str:
        with Session(get_engine(database_url), expire_on_commit=False) as own:
            try:
                auth.sign_in(own, "admin@example.com", "a wrong guess!")
            except auth.LockedOut:
                return "locked"
            except auth.LoginFailed:
                return "failed"
            return "signed in"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(guess, range(30)))
    assert (outcomes.count("failed"), outcomes.count("locked")) == (4, 26), outcomes
    session.expire_all()
    assert session.get(LoginThrottle, "admin@example.com").locked_until is not None
    assert len(session.exec(select(HistoryEvent).where(HistoryEvent.action == "login_locked")).all()) == 1
    try:
        auth.sign_in(session, "admin@example.com", "correct horse battery staple")
    except auth.LockedOut:
        pass
    else:
        raise AssertionError("the right password must wait out the lock too")
