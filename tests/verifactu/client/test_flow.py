"""Flow control per taxpayer, driven by a fake clock: no test here sleeps."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from facturo.verifactu.client.flow import INITIAL_WAIT, Pacer, batches


@pytest.mark.parametrize(
    ("count", "size", "expected"),
    [
        (0, 1000, []),
        (1, 1000, [1]),
        (1000, 1000, [1000]),
        (1001, 1000, [1000, 1]),
        (2500, 1000, [1000, 1000, 500]),
        (7, 3, [3, 3, 1]),
    ],
)
def test_batches_cut_in_order_at_most_size(count: int, size: int, expected: list[int]) -> None:
    items = list(range(count))
    cut = batches(items, size)
    assert [len(b) for b in cut] == expected
    assert [x for b in cut for x in b] == items


@pytest.mark.parametrize("size", [0, 1001])
def test_batches_refuse_sizes_a_message_cannot_hold(size: int) -> None:
    with pytest.raises(ValueError, match="1 to 1000"):
        batches([1, 2], size)


def test_first_send_of_an_issuer_goes_at_once(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1):
        pass
    assert clock.sleeps == []


def test_next_send_waits_tiempo_espera_envio_from_the_reply(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        clock.now += 5  # the reply takes 5 s to come back
        turn.replied(30)
    clock.now += 10
    assert pacer.delay("B87654323", pending=1) == 20
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(30)
    assert clock.sleeps == [20]


def test_a_full_batch_does_not_wait(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(60)
    assert pacer.delay("B87654323", pending=999) == 60
    assert pacer.delay("B87654323", pending=1000) == 0
    with pacer.turn("B87654323", pending=1500):
        pass
    assert clock.sleeps == []


def test_the_wait_follows_the_latest_reply(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(60)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(5)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(0)
    with pacer.turn("B87654323", pending=1):
        pass
    assert clock.sleeps == [60, 5]
    assert pacer.wait_seconds("B87654323") == 0


def test_a_send_without_reply_waits_the_last_known_time(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.sent_without_reply()  # no reply yet: the initial 60 s
    assert pacer.delay("B87654323", pending=1) == INITIAL_WAIT
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(10)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.sent_without_reply()
    assert pacer.delay("B87654323", pending=1) == 10
    assert clock.sleeps == [60, 10]


def test_a_message_that_never_left_does_not_count(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1):
        pass  # connect failure: neither replied nor sent
    with pacer.turn("B87654323", pending=1):
        pass
    assert clock.sleeps == []


def test_issuers_are_paced_apart(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(60)
    assert pacer.delay("B87654323", pending=1) == 60
    assert pacer.delay("B12345674", pending=1) == 0


class BlockingClock:
    """A clock whose sleep blocks until the test lets time pass."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeping = threading.Event()
        self.wake = threading.Event()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeping.set()
        assert self.wake.wait(10)
        self.now += seconds


def test_an_issuer_waiting_never_blocks_another() -> None:
    clock = BlockingClock()
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(60)
    order: list[str] = []

    def waiting_issuer() -> None:
        with pacer.turn("B87654323", pending=1):
            order.append("B87654323")

    thread = threading.Thread(target=waiting_issuer)
    thread.start()
    assert clock.sleeping.wait(10)  # the first issuer is now waiting its 60 s
    with pacer.turn("B12345674", pending=1):
        order.append("B12345674")  # the other issuer gets its turn meanwhile
    clock.wake.set()
    thread.join(10)
    assert order == ["B12345674", "B87654323"]


def test_one_issuer_sends_one_message_at_a_time(clock: Any) -> None:
    pacer = Pacer(clock)
    inside = threading.Event()
    leave = threading.Event()
    entered: list[int] = []

    def first() -> None:
        with pacer.turn("B87654323", pending=1000):
            inside.set()
            assert leave.wait(10)
            entered.append(1)

    def second() -> None:
        with pacer.turn("B87654323", pending=1000):
            entered.append(2)

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.2)
    assert two.is_alive()  # held behind the message in flight
    leave.set()
    one.join(10)
    two.join(10)
    assert entered == [1, 2]


def test_hold_never_shortens_a_wait(clock: Any) -> None:
    pacer = Pacer(clock)
    with pacer.turn("B87654323", pending=1) as turn:
        turn.replied(60)
        turn.hold(10)
    assert pacer.delay("B87654323", pending=1) == 60
    with pacer.turn("B87654323", pending=1) as turn:
        turn.hold(90)
    assert pacer.delay("B87654323", pending=1) == 90
