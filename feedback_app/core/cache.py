"""The cache every web worker on one machine shares when there is no Redis: diskcache's SQLite
files (CACHES in settings), kept open between requests.

Django closes every cache when a request finishes, which suits caches reached over a network;
diskcache's close drops its SQLite connections, so the next request opened them again and read
their settings: about 0.3 ms a request, several times what the counts and keys read cost. The
connections are per thread and reopened after a fork, so keeping them is safe.
"""

from diskcache import DjangoCache


class SharedDiskCache(DjangoCache):
    def close(self, **kwargs) -> None:
        """Kept open: see the module's note."""
