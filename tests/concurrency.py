"""Running calls at the same moment, each in its own thread with its own database connection."""

import threading

from django.db import connection


def at_once(*calls) -> list:
    """Start every call together (a barrier releases them at once) and wait for all.

    Returns what each returned, in order, or the exception it raised. Each thread closes its
    own database connection when done. Needs `django_db(transaction=True)`: the threads must
    see committed data, and a real file database so that two writers wait for each other.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # handed back to the test to look at
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
