"""Every setting of the app, named once, read from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The gateway's own sandbox, for deployments that turn the embedded simulator off.
REAL_SANDBOX_URL = "https://sandbox-acquirer-payment.pingpongx.com"


class Settings(BaseSettings):
    """Settings read from environment variables (and an optional `.env` file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    onboarding_data_dir: Path = Field(default=Path("data"))
    onboarding_process_file: Path | None = None  # the shipped process.toml when unset
    database_url: str | None = None
    port: int = 8501
    session_idle_hours: float = 12.0
    login_max_failures: int = 5
    login_window_minutes: int = 15
    invitation_days: int = 7
    onboarding_secret_key: str | None = None
    pingpong_sandbox_base_url: str | None = None
    # off: no /sandbox mount, and sandbox calls go to the gateway's real sandbox unless a base URL is set
    pingpong_embedded_simulator: bool = True
    pingpong_production_base_url: str = "https://acquirer-payment.pingpongx.com"
    allow_private_urls: bool = False
    notification_retry_scale: float = 1.0
    pingpong_timeout_seconds: float = 15.0
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_sender: str | None = None
    public_base_url: str | None = None
    log_json: bool = False
    idle_days: int = Field(default=7, ge=1)  # no activity for this long flags a merchant as idle
    reminders_hour: int = Field(default=7, ge=0, le=23)  # UTC hour at which the app sends the daily reminders
    reminders_in_app: bool = True  # false when cron runs `send-reminders` instead
    outbox_poll_seconds: float = Field(default=5.0, gt=0)
    outbox_retry_seconds: float = Field(default=30.0, gt=0)  # first retry; each further one waits twice as long
    outbox_max_attempts: int = Field(default=12, ge=1)
    password_reset_minutes: int = Field(default=60, ge=5)

    @property
    def data_dir(self) -> Path:
        return self.onboarding_data_dir

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onboarding.db').resolve()}"

    @property
    def local_url(self) -> str:
        """This instance on loopback, as the app calls itself (the embedded simulator)."""
        return f"http://localhost:{self.port}"

    @property
    def public_url(self) -> str:
        """Where people and the gateway reach the app: `PUBLIC_BASE_URL`, or this instance on loopback."""
        return (self.public_base_url or self.local_url).rstrip("/")

    @property
    def embedded_simulator(self) -> bool:
        """Whether sandbox calls go to the simulator inside this app (served under /sandbox)."""
        return self.pingpong_sandbox_base_url is None and self.pingpong_embedded_simulator

    @property
    def sandbox_base_url(self) -> str:
        if self.pingpong_sandbox_base_url:
            return self.pingpong_sandbox_base_url
        return f"{self.local_url}/sandbox" if self.pingpong_embedded_simulator else REAL_SANDBOX_URL


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()
