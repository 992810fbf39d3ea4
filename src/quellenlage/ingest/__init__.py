"""The ingest stage: files, directories, URLs, feeds, JSONL and stdin → :class:`Article` values.

Only this package and the store do I/O on inputs. Entry point: :func:`iter_ingest`, one
:class:`IngestItem` per input. The fetcher (:class:`Fetcher`) is SSRF-guarded and swappable.
"""

from .fetch import Fetcher, FetchResult
from .items import IngestItem
from .origin import find_origins
from .pipeline import iter_ingest

__all__ = ["FetchResult", "Fetcher", "IngestItem", "find_origins", "iter_ingest"]
