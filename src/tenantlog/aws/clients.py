"""botocore clients for the aws backend, and running their blocking calls from asyncio.

botocore is synchronous and tenantlog is async, so every call runs on a thread
of a pool owned by the backend (not asyncio's default executor, which the
rest of the process shares and which is sized for the CPU count). botocore
clients are thread-safe; each pool gets as many HTTP connections as threads,
so no call waits for a connection while holding a thread.

Clients come from botocore itself rather than boto3: boto3 adds nothing the
backends use (no resources, no S3 transfers) and importing it, with the
s3transfer it pulls in, is a sizeable part of a Lambda cold start. Every
client of a process comes from one botocore session, so the endpoint rules
and each service's model are read once, however many backends make a client
(the ingest function makes eight). No ``endpoint_url`` is passed: botocore
itself honours ``AWS_ENDPOINT_URL`` and the per-service ``AWS_ENDPOINT_URL_SQS``
/ ``AWS_ENDPOINT_URL_DYNAMODB``, which is how tests and ``tenantlog serve
--backend aws`` reach a local emulator. botocore is imported when the first
client is made, so a process on the embedded backends never loads it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from botocore.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

T = TypeVar("T")

#: DynamoDB's answer to a write whose ConditionExpression did not hold.
CONDITION_FAILED = "ConditionalCheckFailedException"
#: Errors meaning "the service did not do it": every botocore failure, mapped by
#: the backends to QueueUnavailable / StoreUnavailable.
AWS_ERRORS = (BotoCoreError, ClientError)

_session_lock = threading.Lock()
_session: Session | None = None


def _shared_session() -> Session:
    """The process's botocore session (made on first use; creating clients from one
    session is not thread-safe, hence the lock around ``make_client``)."""
    global _session
    if _session is None:
        from botocore.session import get_session

        _session = get_session()
    return _session


@overload
def make_client(service: Literal["sqs"], region: str | None, connections: int) -> SQSClient: ...
@overload
def make_client(
    service: Literal["dynamodb"], region: str | None, connections: int
) -> DynamoDBClient: ...
def make_client(service: str, region: str | None, connections: int) -> Any:
    """A client with bounded retries and timeouts that suit a request path.

    Standard retry mode (3 attempts, jittered) instead of the legacy mode's
    5, and a 5 s connect timeout instead of 60 s: an unreachable service
    should turn into a 500/503 quickly, not hold the client for minutes. The
    read timeout stays above SQS's longest long poll (20 s).
    """
    from botocore.config import Config

    config = Config(
        max_pool_connections=connections,
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=30,
    )
    with _session_lock:
        return _shared_session().create_client(service, region_name=region, config=config)


def error_code(exc: BaseException | None) -> str:
    """The AWS error code of a ClientError ('' for anything else)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException | None) -> str:
    """The service's message of a ClientError ('' for anything else).

    For the cases where one code covers several causes, told apart only by
    what the service says (SQS's InvalidParameterValue).
    """
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", ""))
    return ""


def error_text(exc: BaseException) -> str:
    """An AWS failure in one line for an operator: the error code, the call and AWS's
    message for a refused call (AccessDeniedException, ResourceNotFoundException for a
    missing table), botocore's sentence for the others (no endpoint, no credentials).
    Neither holds a credential; a traceback would only bury them."""
    if isinstance(exc, ClientError):
        code, message = error_code(exc) or "error", error_message(exc)
        operation = f" ({exc.operation_name})" if exc.operation_name else ""
        return f"{code}{operation}: {message}" if message else f"{code}{operation}"
    return str(exc) or type(exc).__name__


class Blocking:
    """A thread pool for one kind of blocking call, turning AWS errors into ``unavailable``.

    The botocore error stays attached as ``__cause__`` for callers that must
    tell one error code from another.
    """

    def __init__(self, threads: int, name: str, unavailable: type[Exception]) -> None:
        self.threads = threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._name = name
        self._unavailable = unavailable

    async def run(self, call: Callable[[], T]) -> T:
        return await self.wait(self.submit(call))

    async def run_conditional(self, call: Callable[[], T]) -> T | None:
        """The call's answer, or None when DynamoDB refused it for its ConditionExpression
        (the conditional writes' "not this time", which is no failure of the service)."""
        try:
            return await self.run(call)
        except self._unavailable as exc:
            if error_code(exc.__cause__) == CONDITION_FAILED:
                return None
            raise

    async def wait(self, future: Future[T]) -> T:
        try:
            return await asyncio.wrap_future(future)
        except AWS_ERRORS as exc:
            raise self._unavailable(f"{self._name}: {exc}") from exc

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """The concurrent future itself, for callers that must act after a cancellation."""
        try:
            return self._pool.submit(call)
        except RuntimeError as exc:  # the pool is shut down: the backend is closed
            raise self._unavailable(f"{self._name}: closed") from exc

    def shutdown(self, *, wait: bool, cancel_pending: bool) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_pending)
