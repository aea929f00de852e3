"""Running calls at the same moment, as concurrent users would (races, locks, idempotency)."""

import threading

from django.db import connections


def all_at_once(calls, *, timeout=120):
    """Run the calls in threads released together; their answers in order.

    Each thread uses database connections of its own, closed when its call ends; an exception
    raised by a call is raised again here once every thread has finished.
    """
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            answers[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return answers
