"""What can go wrong talking to GitHub, sorted by what the caller should do about it.

`TransientGitHubError` (and its `RateLimited`) means "try again later": the
Celery task turns it into a retry with `retry_after` as the countdown. Every
other `GitHubError` is permanent for this request. Messages name the method and
the route template, never a token or a header.
"""

from __future__ import annotations

from typing import Any


class GitHubError(Exception):
    """A GitHub API call failed; `status` is the HTTP status when there was an answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        route: str = "",
        errors: Any = None,
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.route = route
        self.errors = errors
        where = f"{method} {route}".strip()
        prefix = f"{where}: " if where else ""
        code = f"HTTP {status}: " if status is not None else ""
        super().__init__(f"{prefix}{code}{message}")


class NotFound(GitHubError):
    """404: the resource does not exist or this installation cannot see it."""


class Unauthorized(GitHubError):
    """401: the token or JWT was refused (expired, revoked, or the app was uninstalled)."""


class UnprocessableEntity(GitHubError):
    """422: GitHub understood the request and refused it (e.g. a review comment outside the diff)."""


class GraphQLError(GitHubError):
    """A GraphQL answer carried `errors`; `data` keeps whatever partial data came with them."""

    def __init__(self, message: str, *, errors: Any = None, data: Any = None, **kwargs: Any) -> None:
        super().__init__(message, errors=errors, **kwargs)
        self.data = data


class TransientGitHubError(GitHubError):
    """5xx, timeouts and connection resets: retry after `retry_after` seconds (None: the caller's backoff)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimited(TransientGitHubError):
    """403/429 primary or secondary rate limit; `retry_after` is how long GitHub asked us to wait."""

    def __init__(self, message: str, *, retry_after: float, guided: bool = True, **kwargs: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kwargs)
        self.guided = guided  # False: GitHub gave no Retry-After/reset, retry_after is our own backoff
