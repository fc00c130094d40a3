"""Mapping a fresh result's pages on a second thread while a serial kernel scans.

A result allocated for a call comes as pages that the OS maps and zeroes on
first write; a serial scan pays for that inside its loop (1-D float64, 2**24
elements: 26.5 ms with a new result, 13.9 ms into mapped pages).  Linux's
MADV_POPULATE_WRITE (5.14+) maps a range as writes would, without touching
its contents, so another thread can run it ahead of the scan, safely, while
the scan writes (16.2 ms).
"""
import ctypes
import sys
import threading

MADV_POPULATE_WRITE = 23
_PAGE = 4096
# glibc serves allocations from 32 MiB (its largest mmap threshold) with fresh
# pages; smaller ones mostly reuse the heap's mapped pages, where starting a
# thread only costs (0.3 ms at 2**21 and 2**22 float64).
MIN_BYTES = 32 << 20

_madvise = None
_usable = sys.platform.startswith("linux")


def _load():
    global _madvise, _usable
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        _usable = False
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    _madvise = madvise
    return madvise


def _populate(start, length):
    global _usable
    if _madvise(start, length, MADV_POPULATE_WRITE) != 0 and ctypes.get_errno() == 22:
        _usable = False  # EINVAL: a kernel before 5.14; the scan maps the pages itself


def populate_in_background(y):
    """Start a thread that maps the pages of y (a fresh result of at least
    MIN_BYTES); the caller joins it after its scan.  None where it cannot."""
    if not _usable or y.nbytes < MIN_BYTES or (_madvise is None and _load() is None):
        return None
    address = y.__array_interface__["data"][0]
    start = -(-address // _PAGE) * _PAGE
    end = (address + y.nbytes) // _PAGE * _PAGE
    thread = threading.Thread(target=_populate, args=(start, end - start), daemon=True)
    try:
        thread.start()
    except RuntimeError:  # "can't start new thread": the scan maps the pages itself
        return None
    return thread
