"""Prometheus metrics of the bot, shared by every channel."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from bot.reply import Reply


class Metrics:
    """Counters and latencies; each app gets its own registry (tests stay apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.answered = Counter(
            "policybot_questions_answered_total",
            "Questions answered from the booklet",
            ["channel"],
            registry=self.registry,
        )
        self.refused = Counter(
            "policybot_questions_refused_total",
            "Questions not answered, by reason (out_of_scope, unsure, empty, ...)",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.topics = Counter(
            "policybot_topic_questions_total",
            "Questions answered, per booklet topic",
            ["topic"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "policybot_answer_seconds",
            "Time to answer one question in the core",
            ["channel"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )

    def observe(self, reply: Reply, seconds: float, channel: str) -> None:
        """Count one reply."""
        self.latency.labels(channel).observe(seconds)
        if reply.matched:
            self.answered.labels(channel).inc()
            self.topics.labels(reply.topic or "").inc()
        else:
            self.refused.labels(channel, reply.reason).inc()

    def render(self) -> bytes:
        """The Prometheus text format: under `serve --workers N` (PROMETHEUS_MULTIPROC_DIR,
        set by the parent), the sum over every worker, whichever one is asked."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
