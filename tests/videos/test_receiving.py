"""The block sink every upload goes through (videos.receiving.BlockSink): exact bytes on disk and
in the hash, whatever the pieces look like."""

import asyncio
import hashlib
import os
from pathlib import Path

from videos import receiving


def sink_into(path: Path, pieces: list[bytes | memoryview], *, opened_with: bytes = b"") -> str:
    """Feed `pieces` through a BlockSink into `path` (after `opened_with`, written through the
    file object first, as the S3 spool's tail is); the sha256 the sink computed."""
    digest = hashlib.sha256()

    async def run() -> None:
        with open(path, "wb+") as file:
            file.write(opened_with)  # buffered by the file object, not yet on disk
            sink = receiving.BlockSink(file, hashers=(digest,))
            for piece in pieces:
                if sink.add(piece):
                    await sink.flush()
            await sink.close()

    asyncio.run(run())
    return digest.hexdigest()


def test_many_small_pieces_and_views_land_whole_and_in_order(tmp_path):
    # More pieces than one writev takes (IOV_MAX), some of them views into a larger buffer.
    buffer = os.urandom(receiving.BLOCK)
    pieces: list[bytes | memoryview] = [
        os.urandom(index % 97 + 1) for index in range(receiving.IOV_MAX * 2 + 5)
    ]
    pieces += [memoryview(buffer)[start : start + 4096] for start in range(0, len(buffer), 4096)]
    pieces += [b"", os.urandom(3 * receiving.BLOCK)]  # an empty piece, one over a whole block
    expected = b"".join(bytes(piece) for piece in pieces)

    digest = sink_into(tmp_path / "upload", pieces)

    assert (tmp_path / "upload").read_bytes() == expected
    assert digest == hashlib.sha256(expected).hexdigest()


def test_bytes_written_through_the_file_object_first_stay_first(tmp_path):
    head = b"tail of the previous part"
    pieces: list[bytes | memoryview] = [os.urandom(receiving.BLOCK // 3) for _ in range(7)]

    sink_into(tmp_path / "spool", pieces, opened_with=head)

    assert (tmp_path / "spool").read_bytes() == head + b"".join(pieces)


def test_the_sink_appends_after_the_file_object_read_from_the_start(tmp_path):
    # As the S3 spool is: written, rewound and read (its read-ahead moved the descriptor to
    # somewhere in the middle), then filled again by the sink.
    first = os.urandom(64 * 1024)
    pieces: list[bytes | memoryview] = [os.urandom(receiving.BLOCK // 2) for _ in range(3)]
    digest = hashlib.sha256()

    async def run() -> None:
        with open(tmp_path / "spool", "wb+") as file:
            file.write(first)
            file.seek(0)
            assert file.read(10) == first[:10]
            sink = receiving.BlockSink(file, hashers=(digest,))
            for piece in pieces:
                if sink.add(piece):
                    await sink.flush()
            await sink.close()

    asyncio.run(run())

    assert (tmp_path / "spool").read_bytes() == first + b"".join(pieces)
