"""Shopee's chat response rate (聊聊回應率, F13) as a rule over one conversation's messages.

Shopee's published rule (PRODUCT.md, "Shopee's chat response rate"): a buyer's chat counts as
answered when the seller replies within 12 hours; when more than 12 hours have passed since the
conversation's last message, the buyer's next message starts a new chat; once the seller has replied
in time, later messages of that period need no reply; Shopee's auto-replies, the FAQ assistant and
its system notices are not replies. Where Shopee publishes nothing we choose the reading that makes
staff answer rather than miss: after a late reply the buyer's next message starts a new chat.

Plain data in, plain data out: no database, so the rule is tested message by message and the
same function fills the conversation's deadline, the shop's rate and the reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chat.rich import AUTO_REPLY_STATUSES, is_bot

WINDOW = timedelta(hours=12)
RATE_DAYS = 90
BAR = 80  # Taiwan's 優選賣家 asks for at least this rate (third-party summaries of Shopee's rule)
# The buyer asks the FAQ assistant for a person: from here the chat counts (Shopee's FAQ).
ASKS_FOR_A_PERSON = frozenset({"faq_liveagent", "faq_liveagents"})


@dataclass(frozen=True)
class Said:
    """One message as the rule sees it."""

    key: str  # Shopee's message id
    at: datetime
    from_buyer: bool
    automatic: bool = False  # Shopee's own: neither starts a chat nor answers one


def is_automatic(*, message_type: str, status: str, from_buyer: bool) -> bool:
    """Shopee wrote it, not a person: an auto-reply (welcome, offline), the FAQ assistant, a system
    notice. A buyer's request for a person through the FAQ assistant is the buyer speaking."""
    if message_type in ASKS_FOR_A_PERSON:
        return False
    return status in AUTO_REPLY_STATUSES or is_bot(message_type) or message_type == "notification"


@dataclass
class Chat:
    """One chat that counts for the rate: from the buyer's first unanswered message to the reply."""

    started_at: datetime
    first_message: str
    answered_at: datetime | None = None
    answer: str = ""  # the seller's message that answered it

    @property
    def due_at(self) -> datetime:
        return self.started_at + WINDOW

    @property
    def in_time(self) -> bool:
        return self.answered_at is not None and self.answered_at <= self.due_at

    def missed(self, now: datetime) -> bool:
        """Late or unanswered past its deadline: it lowers the rate, whatever comes after."""
        return not self.in_time and (self.answered_at is not None or now > self.due_at)


@dataclass
class Reading:
    chats: list[Chat] = field(default_factory=list)
    no_reply_needed: set[str] = field(default_factory=set)  # buyer messages: 不影響回應率

    @property
    def waiting(self) -> Chat | None:
        """The chat still waiting for a reply (its deadline is the conversation's), if any."""
        last = self.chats[-1] if self.chats else None
        return last if last is not None and last.answered_at is None else None


def chats_of(messages: Iterable[Said]) -> Reading:
    """The chats that count among `messages` (in time order), and the buyer messages that need no
    reply. Automatic messages are skipped: they neither answer nor break the silence."""
    reading = Reading()
    current: Chat | None = None  # the chat of the current period, answered or not
    last_at: datetime | None = None
    for message in messages:
        if message.automatic:
            continue
        silence = last_at is None or message.at - last_at > WINDOW
        if message.from_buyer:
            if current is None or silence or (current.answered_at is not None and not current.in_time):
                current = Chat(started_at=message.at, first_message=message.key)
                reading.chats.append(current)
            elif current.answered_at is not None:
                reading.no_reply_needed.add(message.key)
        elif current is not None and current.answered_at is None:
            current.answered_at, current.answer = message.at, message.key
        elif silence:
            current = None  # the seller opens a new period (a notice): the buyer's answer counts
        last_at = message.at
    return reading


@dataclass(frozen=True)
class Rate:
    """A shop's estimated rate over RATE_DAYS: chats decided (answered, or past their deadline)."""

    counted: int
    in_time: int
    waiting: int  # chats still within their 12 hours

    @property
    def percent(self) -> int | None:
        """Shopee shows a rate from 2 chats on; None before that."""
        return round(100 * self.in_time / self.counted) if self.counted >= 2 else None

    @property
    def meets_bar(self) -> bool:
        return self.percent is not None and self.percent >= BAR

    @property
    def if_waiting_missed(self) -> int | None:
        """The rate should every chat now waiting miss its deadline."""
        total = self.counted + self.waiting
        return round(100 * self.in_time / total) if self.waiting and total >= 2 else None
