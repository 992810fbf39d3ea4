"""The ingest stage: files, directories, URLs, feeds, JSONL and stdin → :class:`Article` values.

Only this package and the store do I/O on inputs. Entry point: :func:`iter_ingest`, one
:class:`IngestItem` per input. The fetcher (:class:`Fetcher`) is SSRF-guarded and swappable.

Modules, in the order an input meets them::

    pipeline   iter_ingest: routing of inputs, size caps, duplicates, one outcome per input
    detect     what a blob is (HTML, feed, JSONL, gzip, text, binary) from its first bytes
    fetch      Fetcher: SSRF guard on every hop, pinned connections, time/size/type caps
    text       decoding bytes of unknown encoding; date header lines of text files
    html       trafilatura (+ htmldate) main text and metadata
    feeds      RSS/Atom entries with feedparser (never given a URL)
    jsonl      streaming JSONL lines, plain or gzip, with truncation reported
    bulk       JSONL lines → articles, in a worker process once a stream is large
    build      Article assembly: normalisation, id, paragraphs, language, outlet, origins
    normalize  the reference text, paragraph offsets, URL normalisation and ids
    language   py3langid on a prefix
    outlet     registrable domain (bundled public-suffix list) or a name the text signs with
    origin     find_origins: republished / source / translated / via / agency lines with spans
    items      IngestItem and outcome helpers
"""

from .fetch import Fetcher, FetchResult
from .items import IngestItem
from .origin import find_origins
from .pipeline import iter_ingest

__all__ = ["FetchResult", "Fetcher", "IngestItem", "find_origins", "iter_ingest"]
