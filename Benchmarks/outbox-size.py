#!/usr/bin/env python3
"""What the outbox costs on disk per message, and what deleting it costs the writer.

Reads a SQLite store a load run left behind (stop the server first), prints the bytes the outbox
and its indexes take per message, then, on a copy, deletes every sent and failed message the way
the server's hourly housekeeping does (`SQLiteStore.pruneOutbox`: a thousand ids per
transaction by default, synchronous = FULL) and prints how long each transaction held the writer.

    python3 Benchmarks/outbox-size.py path/to/flowgate.sqlite [IDS_PER_TRANSACTION]
"""
import os, shutil, sqlite3, statistics, sys, tempfile, time

source = sys.argv[1]
chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
folder = tempfile.mkdtemp()
copy = os.path.join(folder, "copy.sqlite")
shutil.copy(source, copy)
db = sqlite3.connect(copy, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute("PRAGMA wal_autocheckpoint = 0")  # as the server: checkpoints run beside the writer
messages = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
sizes = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'outbox%' GROUP BY name"))
print(f"outbox: {messages} messages, {sum(sizes.values()) / max(messages, 1):.0f} bytes each with its indexes {sizes}")

cutoff = 1 << 62
times, removed, start = [], 0, -(1 << 63)
while True:
    row = db.execute("SELECT id, created_at FROM outbox WHERE id >= ? ORDER BY id LIMIT 1", (start,)).fetchone()
    if row is None or row[1] >= cutoff:
        break
    began = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "DELETE FROM outbox WHERE id BETWEEN ? AND ? AND state <> 'pending' AND updated_at < ?",
        (row[0], row[0] + chunk - 1, cutoff),
    )
    removed += db.execute("SELECT changes()").fetchone()[0]
    db.execute("COMMIT")
    times.append((time.perf_counter() - began) * 1000)
    start = row[0] + chunk
shutil.rmtree(folder)
if times:
    times.sort()
    print(
        f"deleted {removed} in {len(times)} transactions: median {statistics.median(times):.2f} ms, "
        f"p99 {times[min(len(times) - 1, int(len(times) * 0.99))]:.2f} ms, max {times[-1]:.2f} ms, "
        f"{sum(times) * 1000 / max(removed, 1):.1f} µs per message"
    )
