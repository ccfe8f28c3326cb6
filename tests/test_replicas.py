"""Several replicas, the way Rasa scales: two rasa servers and two action servers on one
PostgreSQL tracker store and one Redis lock store, then two gateways firing reminders.

Messages of the same conversations go alternately to both replicas, from many
conversations at once, and sometimes two partners write at the same moment to
different replicas. The trackers must then hold every user message exactly once, in
the order it was answered, with each turn finished before the next began, and every
reply must have gone to its own conversation. Then one replica is SIGKILLed mid-run:
the other carries on, and after a restart the conversations go on where they were.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from bot import PROJECT_ROOT
from bot.stack import Stack, free_port, train_if_changed
from tests.conftest import postgres_database, use_database

pytestmark = pytest.mark.stack

REDIS_URL = os.environ.get("KINTSUGI_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
# A crashed replica's lock on a conversation expires after this many seconds (Rasa's
# TICKET_LOCK_LIFETIME, 60 by default): it bounds how long that one conversation waits.
LOCK_LIFETIME = "8"
# Like the gateway's KINTSUGI_RASA_TIMEOUT: a client gives up on a reply after this long.
CLIENT_TIMEOUT = 15.0
SIGNALS = ("timeout", "yellow card", "red card", "pineapple", "tea break", "snowflake")
ANSWERS = ("30 minutes", "whoever paused texts first", "skip", "either of us", "sundays")


def require_redis(url: str = REDIS_URL) -> None:
    """Skip without Redis locally; in CI (``CI`` set) a missing Redis is a failure."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"Redis is required in CI and is not reachable at {url}: {exc}") from exc
        pytest.skip(f"Redis is not running at {url}")


@dataclass
class Sent:
    """One message a client got an answer to."""

    sender: str
    seq: str
    replica: str
    replies: List[Dict[str, Any]]
    seconds: float = 0.0


@dataclass
class Cluster:
    """Two replicas (rasa + action server each) on one database and one Redis, and a client log."""

    replicas: Dict[str, Stack]
    database_url: str
    token: str
    log_dir: Path
    sent: List[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    down: set = field(default_factory=set)
    retries: List[str] = field(default_factory=list)

    def post(self, replica: str, sender: str, text: str, metadata: Dict[str, Any],
             timeout: float = 60) -> List[Dict[str, Any]]:
        """Send one message to one replica's REST channel."""
        body = json.dumps({"sender": sender, "message": text, "metadata": metadata}).encode()
        request = urllib.request.Request(f"{self.replicas[replica].rasa_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def tracker(self, sender: str, replica: str = "a") -> Dict[str, Any]:
        """A conversation's tracker, every event, from one replica's API."""
        url = (f"{self.replicas[replica].rasa_url}/conversations/{sender}/tracker"
               f"?token={self.token}&include_events=ALL")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def stored_seqs(self, sender: str) -> List[str]:
        """The ``test_seq`` of every user message in the tracker, in order."""
        live = next(name for name in self.replicas if name not in self.down)
        return [(e.get("metadata") or {}).get("test_seq") for e in self.tracker(sender, live)["events"]
                if e["event"] == "user"]

    def live(self, preferred: str) -> str:
        """``preferred`` when it is up, else the other replica (the load balancer's choice)."""
        return preferred if preferred not in self.down else next(n for n in self.replicas if n not in self.down)

    def send(self, replica: str, sender: str, seq: str, text: str, metadata: Dict[str, Any]) -> Sent:
        """Send like a load balancer with passive health checks, and a client that retries safely.

        A refused or cut-off connection marks the replica down and the message goes to the
        other one. A request that times out or fails may or may not have been processed, so the
        client looks at the tracker before it sends that message again: stored exactly once.
        """
        metadata = {**metadata, "test_seq": seq}
        began = time.monotonic()
        for _attempt in range(4):
            target = self.live(replica)
            try:
                replies = self.post(target, sender, text, metadata, timeout=CLIENT_TIMEOUT)
                break
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise
                problem = f"HTTP {exc.code}"
            except TimeoutError:
                problem = "timeout"
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                if isinstance(getattr(exc, "reason", None), TimeoutError):
                    problem = "timeout"
                else:
                    self.down.add(target)
                    problem = f"replica {target} unreachable ({type(exc).__name__})"
            with self.lock:
                self.retries.append(f"{sender} {seq} on {target}: {problem} after {time.monotonic() - began:.1f}s")
            if seq in self.stored_seqs(sender):
                replies = []  # it was processed; only its answer was lost
                break
        else:
            raise AssertionError(f"{sender} {seq}: no replica answered")
        sent = Sent(sender, seq, target, replies, time.monotonic() - began)
        with self.lock:
            self.sent.append(sent)
        return sent


def _start(stack: Stack) -> None:
    try:
        stack.start()
    except Exception:
        for log in sorted((stack.log_dir or Path(".")).glob("*.log")):
            print(f"--- {log} (last lines)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))
        raise


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two replicas on a throwaway PostgreSQL database and the local Redis."""
    require_redis()
    folder = tmp_path_factory.mktemp("replicas")
    with postgres_database() as url:
        from bot.storage.db import dispose_engines, upgrade_database

        upgrade_database(url)
        dispose_engines()
        model = train_if_changed(PROJECT_ROOT)
        token = secrets.token_urlsafe(16)
        env = {"KINTSUGI_REDIS_URL": REDIS_URL, "TICKET_LOCK_LIFETIME": LOCK_LIFETIME,
               "KINTSUGI_REMINDER_INTERVAL": "0.5"}
        replicas = {name: Stack(database_url=url, model=model, rasa_port=free_port(), action_port=free_port(),
                                gateway_port=None, token=token, extra_env=env, log_dir=folder / name)
                    for name in ("a", "b")}
        try:
            with ThreadPoolExecutor(2) as pool:
                for future in [pool.submit(_start, stack) for stack in replicas.values()]:
                    future.result()
            yield Cluster(replicas=replicas, database_url=url, token=token, log_dir=folder)
        finally:
            for stack in replicas.values():
                stack.stop()


def couple_script(k: int) -> List[Tuple[str, str, Dict[str, Any]]]:
    """A couple in a group chat: ground rules with their own pause signal, read back, then a pause."""
    ana = {"partner_id": f"rest:{k}:ana", "display_name": "Ana", "channel": "rest", "chat_type": "group",
           "language": "en", "country": "GB", "addressed": True}
    ben = {**ana, "partner_id": f"rest:{k}:ben", "display_name": "Ben"}
    turns = [("rules", "we want to agree on some ground rules", ana), ("signal", SIGNALS[k % len(SIGNALS)], ben)]
    turns += [(f"answer{i}", text, ana if i % 2 else ben) for i, text in enumerate(ANSWERS)]
    turns += [("confirm-ana", "/confirm_rules", ana), ("confirm-ben", "/confirm_rules", ben),
              ("show", "show our rules", ana), ("pause", "I'm flooded, my heart is racing", ben),
              ("resume", "in 30 minutes", ben)]
    return turns


def texts(replies: List[Dict[str, Any]]) -> str:
    """Everything the chat would show."""
    out = []
    for reply in replies:
        out.append(reply.get("text") or "")
        out.append(((reply.get("custom") or {}).get("kintsugi") or {}).get("text") or "")
    return "\n".join(out)


def pause_signal(text: str) -> Optional[str]:
    """The pause signal a rules read-back names."""
    match = re.search(r"[Pp]ause signal: ([^\n]+)", text)
    return match.group(1).strip().strip(".") if match else None


def play(cluster: Cluster, sender: str, k: int, turns: List[Tuple[str, str, Dict[str, Any]]],
         start: int = 0, kill_after: Optional[threading.Event] = None) -> List[Sent]:
    """One conversation, its turns alternating between the replicas, each waiting for its answer."""
    out = []
    for i, (label, text, meta) in enumerate(turns):
        replica = "ab"[(i + k) % 2]
        out.append(cluster.send(replica, sender, f"{start + i}:{label}", text, meta))
        if kill_after is not None and i == 2:
            kill_after.set()
    return out


def together(cluster: Cluster, sender: str, k: int, seq: int) -> List[Sent]:
    """Both partners write at the same moment, one to each replica."""
    ana = {"partner_id": f"rest:{k}:ana", "channel": "rest", "chat_type": "group", "addressed": True}
    ben = {**ana, "partner_id": f"rest:{k}:ben"}
    barrier = threading.Barrier(2)

    def one(replica: str, label: str, text: str, meta: Dict[str, Any]) -> Sent:
        barrier.wait()
        return cluster.send(replica, sender, f"{seq}:{label}", text, meta)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(one, "a", "together-ana", "thank you", ana),
                   pool.submit(one, "b", "together-ben", "thanks so much", ben)]
        return [f.result() for f in futures]


def check_tracker(cluster: Cluster, sender: str, expected: List[str], free_order: Tuple[str, ...] = ()) -> None:
    """Every acknowledged message stored once, in order, each turn finished before the next began."""
    events = cluster.tracker(sender)["events"]
    seqs = [(e.get("metadata") or {}).get("test_seq") for e in events if e["event"] == "user"]
    assert len(seqs) == len(set(seqs)), f"{sender}: a user message was stored twice: {seqs}"
    assert sorted(seqs) == sorted(expected), f"{sender}: lost or foreign messages: {seqs} != {expected}"
    fixed = [s for s in seqs if s not in free_order]
    assert fixed == [s for s in expected if s not in free_order], f"{sender}: reordered: {seqs}"
    for before, event in zip(events, events[1:]):
        if event["event"] == "user":
            # One turn ends with action_listen before the next user message: turns never interleave.
            assert before["event"] == "action" and before["name"] == "action_listen", \
                f"{sender}: turn interleaved before {(event.get('metadata') or {}).get('test_seq')}"
    bots = [e for e in events if e["event"] == "bot"]
    assert bots, f"{sender}: no bot replies stored"


def test_two_replicas_share_conversations_without_loss(cluster: Cluster) -> None:
    senders = {k: f"tg-replica-{uuid.uuid4().hex[:8]}" for k in range(6)}
    scripts = {k: couple_script(k) for k in senders}

    with ThreadPoolExecutor(len(senders)) as pool:
        results = dict(zip(senders, pool.map(lambda k: play(cluster, senders[k], k, scripts[k]), senders)))

    for k, sender in senders.items():
        sent = results[k]
        assert {s.replica for s in sent} == {"a", "b"}
        for s in sent:  # every answer went to this conversation and no other
            assert s.replies and all(r.get("recipient_id") == sender for r in s.replies), s
        by_label = {s.seq.split(":", 1)[1]: texts(s.replies) for s in sent}
        signal_text = SIGNALS[k % len(SIGNALS)]
        assert pause_signal(by_label["answer4"]) == signal_text, by_label["answer4"]
        assert pause_signal(by_label["show"]) == signal_text, by_label["show"]
        assert "remind you both" in by_label["resume"]
        check_tracker(cluster, sender, [s.seq for s in sent])
        # Both replicas read the same tracker.
        assert cluster.tracker(sender, "a")["events"] == cluster.tracker(sender, "b")["events"]


def shipped_lock_store(monkeypatch: pytest.MonkeyPatch) -> type:
    """The lock store class ``endpoints.yml`` gives rasa when ``KINTSUGI_REDIS_URL`` is set."""
    from bot.config import get_settings
    from bot.rasa_plugins.lock_store import EnvLockStore

    monkeypatch.setenv("KINTSUGI_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    try:
        return type(EnvLockStore())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_partners_writing_at_once_to_both_replicas_lose_nothing(cluster: Cluster,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Both partners of a group write at the same moment, and each message reaches a different replica."""
    from rasa.core.lock_store import RedisLockStore

    senders = {k: f"tg-together-{uuid.uuid4().hex[:8]}" for k in range(8)}

    def conversation(k: int) -> List[Sent]:
        return [sent for i in range(6) for sent in together(cluster, senders[k], k, 2 * i)]

    with ThreadPoolExecutor(len(senders)) as pool:
        results = dict(zip(senders, pool.map(conversation, senders)))
    problems = []
    for k, sender in senders.items():
        for sent in results[k]:
            assert sent.replies and all(r.get("recipient_id") == sender for r in sent.replies), sent
        try:
            seqs = [s.seq for s in results[k]]
            check_tracker(cluster, sender, seqs, free_order=tuple(seqs))
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
    if problems and shipped_lock_store(monkeypatch) is RedisLockStore:
        # Rasa 3.6's RedisLockStore changes a conversation's ticket queue with GET ... SET from each
        # replica, so two replicas can hold the same conversation at once and SQLTrackerStore then
        # drops one of the turns. Kintsugi ships bot/rasa_plugins/lock_store.py instead (bench/lock_race.py
        # measures both), so with EnvLockStore this test is a hard gate.
        pytest.xfail(f"{len(problems)} of {len(senders)} conversations lost turns with Rasa's RedisLockStore: "
                     f"{problems[0]}")
    assert not problems, problems


def test_a_killed_replica_leaves_the_other_serving_and_comes_back(cluster: Cluster) -> None:
    senders = {k: f"tg-crash-{uuid.uuid4().hex[:8]}" for k in range(4)}
    scripts = {k: couple_script(k) for k in senders}
    kill_now = threading.Event()
    victim = cluster.replicas["b"]

    def killer() -> None:
        kill_now.wait(timeout=120)
        victim.stop("rasa", signal.SIGKILL)  # mid-run: other conversations are talking to it right now

    with ThreadPoolExecutor(len(senders) + 1) as pool:
        kill_job = pool.submit(killer)
        jobs = {k: pool.submit(play, cluster, senders[k], k, scripts[k], 0, kill_now if k == 0 else None)
                for k in senders}
        results = {k: job.result() for k, job in jobs.items()}
        kill_job.result()

    assert "b" in cluster.down, "the killed replica was never noticed: it should have had traffic"
    print("\nafter the crash:\n  " + "\n  ".join(cluster.retries))
    longest = max(s.seconds for sent in results.values() for s in sent)
    print(f"longest wait for one answer: {longest:.1f}s (lock lifetime {LOCK_LIFETIME}s, client timeout "
          f"{CLIENT_TIMEOUT:.0f}s)")
    # A conversation the dead replica held waits for its lock to expire, and no longer: nobody
    # waits forever behind a dead ticket (Rasa's own RedisLockStore leaves such a waiter stuck).
    assert not [r for r in cluster.retries if "timeout" in r], cluster.retries
    assert longest < float(LOCK_LIFETIME) + 10
    for k, sender in senders.items():
        sent = results[k]
        assert "remind you both" in texts(sent[-1].replies)
        assert all(r.get("recipient_id") == sender for s in sent for r in s.replies)
        check_tracker(cluster, sender, [s.seq for s in sent])

    # The replica comes back on its port; the conversations go on through both, state intact.
    victim.start_rasa()
    cluster.down.discard("b")
    for k, sender in senders.items():
        n = len(scripts[k])
        shown = cluster.send("b", sender, f"{n}:show-again", "show our rules", scripts[k][0][2])
        assert shown.replica == "b" and SIGNALS[k % len(SIGNALS)] in texts(shown.replies)
        bye = cluster.send("a", sender, f"{n + 1}:thanks", "thank you", scripts[k][0][2])
        assert bye.replies
        check_tracker(cluster, sender, [s.seq for s in results[k]] + [shown.seq, bye.seq])


def test_two_gateways_deliver_each_due_reminder_once(cluster: Cluster) -> None:
    import sqlalchemy as sa

    from bot.storage import db as storage_db
    from bot.storage.models import Reminder, utcnow

    if not (PROJECT_ROOT / "bot" / "reminders.py").exists():
        pytest.skip("bot/reminders.py is not there yet")
    senders = [f"web-reminder-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    for sender in senders:  # real conversations on the REST channel, each with a pause and its reminder
        meta = {"partner_id": f"rest:{sender}", "channel": "rest"}
        cluster.post("a", sender, "I'm flooded, my heart is racing", meta)
        assert "remind" in texts(cluster.post("b", sender, "in 30 minutes", meta))
    for stack in cluster.replicas.values():
        stack.gateway_port = free_port()
        stack.start_gateway()  # each gateway talks to its own rasa replica
    with use_database(cluster.database_url):
        with storage_db.session_scope() as session:
            ids = {sender: session.scalar(sa.select(Reminder.id).where(Reminder.conversation_id == sender,
                                                                        Reminder.status == "pending"))
                   for sender in senders}
        assert all(ids.values()), ids
        for batch in (senders[:4], senders[4:]):  # two batches come due, and both gateways' loops race for them
            with storage_db.session_scope() as session:
                session.execute(sa.update(Reminder).where(Reminder.id.in_([ids[s] for s in batch]))
                                .values(due_at=utcnow() - timedelta(seconds=1)))
            time.sleep(0.7)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with storage_db.session_scope() as session:
                rows = session.execute(sa.select(Reminder.id, Reminder.status, Reminder.claimed_by, Reminder.attempts)
                                       .where(Reminder.id.in_(list(ids.values())))).all()
            if all(row.status == "sent" for row in rows):
                break
            time.sleep(0.5)
        time.sleep(2)  # two more loop rounds in each gateway: nothing may fire again
    assert [row.status for row in rows] == ["sent"] * len(ids), rows
    assert all(row.attempts == 1 for row in rows), rows
    for sender in senders:
        events = cluster.tracker(sender)["events"]
        triggered = [e for e in events if e["event"] == "user"
                     and (e.get("parse_data") or {}).get("intent", {}).get("name") == "EXTERNAL_reminder"]
        assert len(triggered) == 1, f"{sender}: reminder triggered {len(triggered)} times"
    workers = {row.claimed_by.rsplit(":", 1)[0] for row in rows if row.claimed_by}
    print(f"reminders claimed by {len(workers)} gateway(s): {sorted(workers)}")
