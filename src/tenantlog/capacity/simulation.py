"""A discrete-event simulation of API Gateway -> ingest Lambda -> SQS -> worker Lambda -> DynamoDB.

It checks the closed-form model by playing the same pipeline forward in time,
where limits act as they do on AWS: API Gateway refuses requests over its
rate (clients retry them), Lambda refuses invocations over the account's
concurrency, the event source mapping adds pollers at its published pace up
to its maximum and backs off when throttled, SQS refuses receives over its
in-flight limit, DynamoDB throttles each partition key over its write units
(the SDK retries, then the worker gives the message back with backoff, and
it comes back after its delay or its visibility timeout, to the dead-letter
queue after the last receive).

Traffic is a fluid at batch granularity: every poll interval the arrivals of
each large tenant (and of the tail, whose writes spread over many partition
keys) become one chunk, and every batch the mapping starts in that interval
is one cohort process, so that 1M logs a minute costs tens of events per
simulated second rather than tens of thousands.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import simpy

from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.measurements import Chunk, Outcome, Sample, Window, percentile
from tenantlog.capacity.model import (
    RATE_LIMITS,
    Scenario,
    effective_batch,
    ingest_duration,
    worker_duration,
)

if TYPE_CHECKING:
    from collections.abc import Generator

#: The SDK's attempts per PutItem (standard retry mode) and the mean wait before each retry.
SDK_RETRY_WAITS = (0.5, 1.0)
#: The worker's release backoff (TENANTLOG_BACKOFF_BASE / _MAX): the mean of a jittered wait.
BACKOFF_BASE, BACKOFF_MAX = 1.0, 60.0
#: API Gateway's burst, in seconds of its rate; the mapping's first pollers.
API_BURST_SECONDS = 0.5
ESM_START = 5.0
#: Polls a record waits, the mapping at its maximum, before the mapping counts as the limit.
SATURATED_POLLS = 4
#: How often in a poll interval freed slots are refilled.
RESTARTS_PER_POLL = 10
#: Seconds of write units a partition's (and the table's) bucket holds.
BUCKET_SECONDS = 1.0


class Pipeline:
    def __init__(
        self,
        scenario: Scenario,
        inputs: Inputs,
        *,
        top_tenants: int,
        warmup_s: float,
        prewarmed: bool = False,
    ) -> None:
        self.s = scenario
        self.d = d = scenario.deployment
        self.env = simpy.Environment()
        self.dt = d.poll_interval_s
        self.warmup = warmup_s
        shares, tail = scenario.mix.top(top_tenants)
        self.shares = [*shares, tail]
        self.tail = len(shares)
        wcu = scenario.sizes.mean_write_units
        self.wcu = wcu
        partition = inputs.limit("dynamodb_partition_wcu")
        rate = scenario.rate
        self.partition_rate = [
            math.inf
            if g == self.tail
            else partition * (d.write_shards if share * rate * wcu > partition else 1)
            for g, share in enumerate(self.shares)
        ]
        self.partition_tokens = [0.0] * len(self.shares)
        self.table_rate = d.table_write_quota or inputs.limit("dynamodb_table_wru")
        self.table_tokens = 0.0
        self.tokens_at = 0.0
        self.api_limit = d.api_rate_limit or inputs.limit("api_account_rps")
        self.api_tokens = self.api_limit * API_BURST_SECONDS
        self.account = d.account_concurrency or inputs.limit("lambda_account_concurrency")
        self.esm_limit = d.queues * (d.esm_max_concurrency or inputs.limit("esm_max_concurrency"))
        self.esm_step = inputs.limit("esm_scaling_per_minute") / 60
        self.in_flight_limit = d.queues * inputs.limit("sqs_in_flight")
        self.t_ingest = ingest_duration(inputs, d)
        self.inputs = inputs
        self.put_time = inputs.timing("dynamodb_put_s")

        self.client_backlog = [0.0] * len(self.shares)
        self.visible: deque[Chunk] = deque()
        self.visible_count = 0.0
        self.in_flight = 0.0
        self.ingest_active = 0.0
        self.worker_active = 0.0
        # Prewarmed: the mapping's pollers and the functions' environments already at their
        # maximum (provisioned mode's minimum pollers, a steady state reached earlier).
        self.esm_target = self.esm_limit if prewarmed else ESM_START
        self.warm_envs = self.esm_limit if prewarmed else 0.0
        self.dead_lettered = 0.0
        self.throttles = dict.fromkeys(RATE_LIMITS, 0.0)
        self.first_throttle: dict[str, float] = {}
        self.window = Window(group_wcu=[0.0] * len(self.shares))
        self.samples: list[Sample] = []
        self._second: list[tuple[float, float]] = []
        self._stored_second = 0.0
        self._level_at = 0.0
        self._restart_pending = False

    # ---- clients, API Gateway, ingest Lambda --------------------------------------------

    def clients(self) -> Generator[simpy.Event, None, None]:
        n = self.d.logs_per_request
        while True:
            rate = self.s.rate
            for g, share in enumerate(self.shares):
                self.client_backlog[g] += share * rate * self.dt
            waiting = sum(self.client_backlog)
            requests = waiting / n
            self.api_tokens = min(
                self.api_limit * API_BURST_SECONDS, self.api_tokens + self.api_limit * self.dt
            )
            through_api = min(requests, self.api_tokens)
            self.api_tokens -= through_api
            self._throttle("api_account_rps", requests - through_api)
            free = max(0.0, self.account - self.worker_active)
            admitted = min(through_api, free * self.dt / self.t_ingest)
            self._throttle("lambda_account_concurrency", through_api - admitted)
            self.ingest_active = admitted * self.t_ingest / self.dt
            if self._measuring():
                self.window.api_offered += rate / n
                self.window.ingest_offered += (
                    min(requests, rate * self.dt / n) * self.t_ingest / self.dt
                )
                self.window.ingest_active += self.ingest_active
                self.window.ticks += 1
            if waiting > 0 and admitted > 0:
                fraction = admitted * n / waiting
                sent = [backlog * fraction for backlog in self.client_backlog]
                self.client_backlog = [
                    b - s for b, s in zip(self.client_backlog, sent, strict=True)
                ]
                self.env.process(self._enqueue(sent))
            yield self.env.timeout(self.dt)

    def _enqueue(self, counts: list[float]) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(self.t_ingest)
        for g, count in enumerate(counts):
            if count > 0:
                self._make_visible(Chunk(g, count, self.env.now))

    def _make_visible(self, chunk: Chunk) -> None:
        if self._measuring():
            self.window.queued += chunk.count
        self.visible.append(chunk)
        self.visible_count += chunk.count

    # ---- the event source mapping and the worker Lambda -----------------------------------

    def mapping(self) -> Generator[simpy.Event, None, None]:
        """The pollers: every poll interval they scale up while records wait, and start
        what they can; a batch that ends starts the next one at once (``_finish``)."""
        while True:
            if self.visible_count > 1e-9:
                self.esm_target = min(self.esm_limit, self.esm_target + self.esm_step * self.dt)
            self._dispatch(poll=True)
            yield self.env.timeout(self.dt)

    def _dispatch(self, *, poll: bool) -> None:
        d = self.d
        batch = effective_batch(self.s.rate, d)
        ready = self._batches_ready(batch)
        if ready <= 1e-9:
            return
        slots = max(0.0, self.esm_target - self.worker_active)
        # At its maximum with records left waiting for several polls: the mapping is the
        # limit (a poll's arrivals that start on the next free slot do not count).
        saturated = self._oldest_wait() > SATURATED_POLLS * self.dt
        if poll and ready > slots and self.esm_target >= self.esm_limit and saturated:
            self._throttle("esm_max_concurrency", (ready - slots) * self.dt)
        start = min(ready, slots)
        free = max(0.0, self.account - self.ingest_active - self.worker_active)
        if start > free:
            self._throttle("lambda_account_concurrency", start - free)
            start = free
            self.esm_target = max(ESM_START, self.worker_active + free)  # the mapping backs off
        records = min(start * batch, self.visible_count)
        room = self.in_flight_limit - self.in_flight
        if records > room:
            self._throttle("sqs_in_flight", records - room)
            records = max(0.0, room)
        if records <= 1e-9:
            return
        invocations = records / batch
        cold = max(0.0, self.worker_active + invocations - self.warm_envs)
        self._levels_change()
        self.worker_active += invocations
        self.warm_envs = max(self.warm_envs, self.worker_active)
        self.in_flight += records
        pieces = self._take(records)
        extra = d.cold_start_s * cold / invocations
        self.env.process(self._invoke(invocations, batch, pieces, extra))

    def _restart(self) -> Generator[simpy.Event, None, None]:
        """Start batches on the slots that invocations just freed, without waiting for
        the next poll; the ends of a few milliseconds are taken together, so that the
        cohorts do not splinter into one per end."""
        yield self.env.timeout(self.dt / RESTARTS_PER_POLL)
        self._restart_pending = False
        self._dispatch(poll=False)

    def _oldest_wait(self) -> float:
        if not self.visible:
            return 0.0
        return self.env.now - self.visible[0].accepted_at - self.d.batching_window_s

    def _batches_ready(self, batch: float) -> float:
        """Batches the pollers can hand over now: full ones, and a partial one once its
        oldest record has waited the batching window."""
        if self.visible_count <= 1e-9:
            return 0.0
        full = math.floor(self.visible_count / batch + 1e-9)
        rest = self.visible_count - full * batch
        waited = self.env.now - self.visible[0].accepted_at if self.visible else 0.0
        partial = rest > 1e-9 and waited + 1e-9 >= self.d.batching_window_s
        return full + (rest / batch if partial else 0.0)

    def _take(self, records: float) -> list[Chunk]:
        """``records`` from the head of the queue, one piece per tenant group and receive
        count (their acceptance times averaged), so that a cohort's pieces stay few
        however finely retries have cut the queue."""
        merged: dict[tuple[int, int], Chunk] = {}
        while records > 1e-9 and self.visible:
            head = self.visible[0]
            part = min(head.count, records)
            key = (head.group, head.receives + 1)
            piece = merged.get(key)
            if piece is None:
                merged[key] = Chunk(head.group, part, head.accepted_at, head.receives + 1)
            else:
                total = piece.count + part
                piece.accepted_at += (head.accepted_at - piece.accepted_at) * part / total
                piece.count = total
            head.count -= part
            records -= part
            self.visible_count -= part
            if head.count <= 1e-9:
                self.visible.popleft()
        self.visible_count = max(0.0, self.visible_count)
        return list(merged.values())

    def _invoke(
        self, invocations: float, batch: float, pieces: list[Chunk], extra: float
    ) -> Generator[simpy.Event, None, None]:
        started = self.env.now
        duration = worker_duration(self.inputs, self.s.sizes, self.d, batch) + extra
        if duration > self.d.worker_timeout_s:
            # Cut off: nothing stored, every record back after the visibility timeout.
            yield self.env.timeout(self.d.worker_timeout_s)
            self._finish(invocations, started, pieces, pieces, self.d.visibility_timeout_s)
            return
        yield self.env.timeout(duration)
        pending = self._write(pieces)
        for wait in SDK_RETRY_WAITS:
            if not pending:
                break
            yield self.env.timeout(wait)
            pending = self._write(pending)
        self._finish(invocations, started, pieces, pending, None)

    def _finish(
        self,
        invocations: float,
        started: float,
        pieces: list[Chunk],
        failed: list[Chunk],
        delay: float | None,
    ) -> None:
        if self._measuring():
            self.window.invocations += invocations
            self.window.invocation_seconds += invocations * (self.env.now - started)
        self._levels_change()
        self.worker_active -= invocations
        self.in_flight -= sum(p.count for p in pieces)
        if not self._restart_pending:
            self._restart_pending = True
            self.env.process(self._restart())
        for chunk in failed:
            if chunk.receives >= self.d.max_receive_count:
                self.dead_lettered += chunk.count
                continue
            wait = delay
            if wait is None:
                wait = 0.75 * min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (chunk.receives - 1))
            self.env.process(self._redeliver(chunk, wait))

    def _redeliver(self, chunk: Chunk, delay: float) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(delay)
        self._make_visible(chunk)

    # ---- DynamoDB -------------------------------------------------------------------------

    def _refill(self) -> None:
        # A partition (and the table) serves its throughput and keeps at most a second of
        # it unused: an invocation's writes may come at once, never more than that.
        elapsed = self.env.now - self.tokens_at
        self.tokens_at = self.env.now
        hold = BUCKET_SECONDS
        self.partition_tokens = [
            min(rate * hold, tokens + rate * elapsed)
            for rate, tokens in zip(self.partition_rate, self.partition_tokens, strict=True)
        ]
        self.table_tokens = min(
            self.table_rate * hold, self.table_tokens + self.table_rate * elapsed
        )

    def _write(self, pieces: list[Chunk]) -> list[Chunk]:
        """PutItem for every record of ``pieces``; the chunks of records throttled."""
        self._refill()
        pending: list[Chunk] = []
        for piece in pieces:
            need = piece.count * self.wcu
            if piece.receives == 1 and self._measuring():
                self.window.group_wcu[piece.group] += need
                self.window.table_wcu += need
            granted = min(need, self.partition_tokens[piece.group], self.table_tokens)
            if granted < need:
                limited = self.partition_tokens[piece.group] < self.table_tokens
                name = "dynamodb_partition_wcu" if limited else "dynamodb_table_wru"
                self._throttle(name, (need - granted) / self.wcu)
            self.partition_tokens[piece.group] -= granted
            self.table_tokens -= granted
            stored = granted / self.wcu
            self._stored(piece, stored)
            if piece.count - stored > 1e-9:
                pending.append(
                    Chunk(piece.group, piece.count - stored, piece.accepted_at, piece.receives)
                )
        return pending

    def _stored(self, piece: Chunk, count: float) -> None:
        if count <= 0:
            return
        latency = self.env.now - piece.accepted_at
        self._second.append((latency, count))
        self._stored_second += count
        if self._measuring():
            self.window.stored += count

    # ---- measurement ----------------------------------------------------------------------

    def _throttle(self, name: str, amount: float) -> None:
        if amount <= 1e-9:
            return
        self.throttles[name] += amount
        if self._measuring():
            self.first_throttle.setdefault(name, self.env.now)

    def _measuring(self) -> bool:
        return self.env.now >= self.warmup

    def _levels_change(self) -> None:
        """Accumulate the time-weighted levels up to now, before one of them changes."""
        if self._measuring():
            elapsed = self.env.now - max(self._level_at, self.warmup)
            self.window.worker_area += self.worker_active * elapsed
            self.window.in_flight_area += self.in_flight * elapsed
        self._level_at = self.env.now

    def recorder(self) -> Generator[simpy.Event, None, None]:
        while True:
            yield self.env.timeout(1.0)
            self.samples.append(
                Sample(
                    time=self.env.now,
                    client_backlog=sum(self.client_backlog),
                    queue_backlog=self.visible_count,
                    in_flight=self.in_flight,
                    ingest_active=self.ingest_active,
                    worker_active=self.worker_active,
                    stored=self._stored_second,
                    dead_lettered=self.dead_lettered,
                    latency_p50=percentile(self._second, 0.5),
                    latency_p99=percentile(self._second, 0.99),
                )
            )
            self._second = []
            self._stored_second = 0.0

    def run(self, duration_s: float) -> Outcome:
        for process in (self.clients(), self.mapping(), self.recorder()):
            self.env.process(process)
        self.env.run(until=duration_s)
        self._levels_change()
        w = self.window
        seconds = duration_s - self.warmup
        ticks = max(1, w.ticks)
        batch = effective_batch(self.s.rate, self.d)
        mean_duration = w.invocation_seconds / w.invocations if w.invocations else 0.0
        worker_offered = w.queued / seconds / batch * mean_duration
        partition = max(
            wcu / seconds / rate
            for wcu, rate in zip(w.group_wcu, self.partition_rate, strict=True)
            if rate != math.inf
        )
        utilization = {
            "api_account_rps": w.api_offered / ticks / self.api_limit,
            "lambda_account_concurrency": (w.ingest_offered / ticks + worker_offered)
            / self.account,
            "esm_max_concurrency": worker_offered / self.esm_limit,
            "sqs_in_flight": w.in_flight_area / seconds / self.in_flight_limit,
            "dynamodb_table_wru": w.table_wcu / seconds / self.table_rate,
            "dynamodb_partition_wcu": partition,
        }
        return Outcome(
            samples=self.samples,
            stored_rate=w.stored / seconds,
            ingest_concurrency=w.ingest_active / ticks,
            worker_concurrency=w.worker_area / seconds,
            utilization=utilization,
            throttles=self.throttles,
            dead_lettered=self.dead_lettered,
            first_throttle=dict(self.first_throttle),
        )


def simulate(
    scenario: Scenario,
    inputs: Inputs,
    *,
    duration_s: float = 180.0,
    warmup_s: float = 60.0,
    top_tenants: int = 20,
    prewarmed: bool = False,
) -> Outcome:
    """Run ``scenario`` for ``duration_s`` simulated seconds; figures are measured after
    ``warmup_s``. From cold, the mapping adds 5 pollers a second, so a high concurrency
    takes minutes and leaves a backlog to drain; ``prewarmed`` starts at the steady state
    the model describes."""
    pipeline = Pipeline(
        scenario, inputs, top_tenants=top_tenants, warmup_s=warmup_s, prewarmed=prewarmed
    )
    return pipeline.run(duration_s)
