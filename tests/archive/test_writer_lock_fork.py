"""archive.db.WriterLock across fork: a child forked while another thread of its parent
holds the SQLite writer lock must not keep that lock (the crawl forks its parse workers)."""
from __future__ import annotations

import fcntl
import os
import threading

import pytest

from archive.db import WriterLock


def _lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_does_not_keep_the_writer_lock_its_parent_held(tmp_path):
    lock = WriterLock(str(tmp_path / "a.db.lock"))
    held, release, released = threading.Event(), threading.Event(), threading.Event()

    def writer():  # another thread of the parent holds the lock while the parent forks
        lock.acquire()
        held.set()
        release.wait(30)
        lock.release()
        released.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(30)
    read, write = os.pipe()
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child lives on, as a worker would, until the parent has looked
        os.close(write)
        os.write(ready_write, b"r")  # the fork handlers have run
        os.read(read, 1)
        os._exit(0)
    os.close(read)
    os.close(ready_write)
    try:
        assert os.read(ready_read, 1) == b"r"
        os.close(ready_read)
        release.set()
        assert released.wait(30)
        assert _lock_is_free(lock.path), "the forked child still holds the parent's writer lock"
        # The child itself can take the lock as any writer (its own descriptor).
    finally:
        os.write(write, b"x")
        os.close(write)
        os.waitpid(pid, 0)
        thread.join()
