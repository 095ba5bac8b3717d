#!/usr/bin/env python3
"""What query order costs the embedded engine: walking every row of one owner in pages.

The engine's table of an archival collection (src/vector/embedded_schema.cpp: rid, pk, a column
per scalar field, dyn, a 384-float vector BLOB; an index on the partition key `agent_id`) is
written here with Python's sqlite3 (the same SQLite library as the engine's), and each walk runs
the SQL the engine runs for its queries (src/vector/embedded_store.cpp, query()):

  offset   ORDER BY rid LIMIT 256 OFFSET n        the old walk (insertion order; a Milvus
                                                  server refuses it past 16,384 rows)
  key      (filter) AND pk > last ORDER BY pk     the walk by primary key (PassageStore::
           LIMIT 256                              for_each_page), without and with the
                                                  (agent_id, pk) index the engine now adds

Owners: one agent with 100,000 rows, one with 20,000, the rest in agents of ~180 rows, shuffled
together; each agent's rows also carry a source_id (not indexed). Prints each walk's time and
SQLite's plan, and the time to build the (agent_id, pk) index (what a file written before it
existed pays once). Not part of `make test`.

  python3 bench/vector/query_order.py [--rows 300000] [--db /tmp/query_order.db]
"""
import argparse
import os
import random
import sqlite3
import time
import uuid

COLUMNS = "rid, pk, f_text, f_user_id, f_agent_id, f_source_id, f_created_at, dyn, vec"


def build(db, rows):
    db.executescript(
        "CREATE TABLE c (rid INTEGER PRIMARY KEY AUTOINCREMENT, pk TEXT NOT NULL UNIQUE, f_text TEXT, "
        "f_user_id TEXT, f_agent_id TEXT, f_source_id TEXT, f_created_at INTEGER, dyn TEXT NOT NULL "
        "DEFAULT '{}', vec BLOB NOT NULL);"
        "CREATE INDEX i_agent ON c (f_agent_id);")
    rnd = random.Random(1)
    owners = ["big"] * 100_000 + ["mid"] * 20_000
    owners += ["small%d" % (i % 1000) for i in range(max(0, rows - len(owners)))]
    rnd.shuffle(owners)
    vec = os.urandom(384 * 4)
    batch = []
    insert = ("INSERT INTO c (pk, f_text, f_user_id, f_agent_id, f_source_id, f_created_at, vec) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)")
    for i, owner in enumerate(owners):
        batch.append((str(uuid.UUID(int=rnd.getrandbits(128))), ("passage %d " % i) * 20, "u", owner,
                      "src-" + owner, i, vec))
        if len(batch) == 10_000:
            db.executemany(insert, batch)
            batch = []
    db.executemany(insert, batch)
    db.commit()


def plan(db, sql, params):
    return " | ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, params))


def walk_by_offset(db, where, params, page=256):
    sql = f"SELECT {COLUMNS} FROM c WHERE {where} ORDER BY rid LIMIT ? OFFSET ?"
    n = 0
    while True:
        rows = db.execute(sql, params + [page, n]).fetchall()
        n += len(rows)
        if len(rows) < page:
            return n, plan(db, sql, params + [page, 0])


def walk_by_key(db, where, params, page=256):
    first = f"SELECT {COLUMNS} FROM c WHERE {where} ORDER BY pk LIMIT ?"
    after = f"SELECT {COLUMNS} FROM c WHERE ({where}) AND (pk > ?) ORDER BY pk LIMIT ?"
    n, last = 0, None
    while True:
        rows = db.execute(first, params + [page]) if last is None else db.execute(after, params + [last, page])
        rows = rows.fetchall()
        n += len(rows)
        if rows:
            last = rows[-1][1]
        if len(rows) < page:
            return n, plan(db, after, params + ["", page])


def all_by(db, where, params, order):
    sql = f"SELECT pk, f_created_at FROM c WHERE {where} ORDER BY {order}"
    return len(db.execute(sql, params).fetchall()), plan(db, sql, params)


def timed(label, fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        n, how = fn()
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"{label:44s} rows={n:7d} median {times[len(times) // 2] * 1000:9.1f} ms   {how}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--db", default="/tmp/query_order.db")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(args.db + suffix):
            os.remove(args.db + suffix)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode=WAL")
    t = time.perf_counter()
    build(db, args.rows)
    print(f"{args.rows} rows written in {time.perf_counter() - t:.1f} s; SQLite {sqlite3.sqlite_version}")
    agent = "f_agent_id = ?"
    source = "f_source_id = ?"
    timed("walk agent of 100,000 by offset", lambda: walk_by_offset(db, agent, ["big"]), args.repeat)
    timed("walk agent of 20,000 by offset", lambda: walk_by_offset(db, agent, ["mid"]), args.repeat)
    timed("walk source of 20,000 by offset", lambda: walk_by_offset(db, source, ["src-mid"]), 1)
    timed("walk agent of 20,000 by key, no index", lambda: walk_by_key(db, agent, ["mid"]), 1)
    timed("all of agent 100,000 by rid", lambda: all_by(db, agent, ["big"], "rid"), args.repeat)
    timed("all of agent 100,000 by pk, no index", lambda: all_by(db, agent, ["big"], "pk"), args.repeat)
    t = time.perf_counter()
    db.execute("CREATE INDEX o_agent ON c (f_agent_id, pk)")
    db.commit()
    print(f"(agent_id, pk) index built in {(time.perf_counter() - t) * 1000:.0f} ms")
    timed("walk agent of 100,000 by key", lambda: walk_by_key(db, agent, ["big"]), args.repeat)
    timed("walk agent of 20,000 by key", lambda: walk_by_key(db, agent, ["mid"]), args.repeat)
    timed("walk agent of 180 by key", lambda: walk_by_key(db, agent, ["small5"]), args.repeat)
    timed("walk source of 20,000 by key", lambda: walk_by_key(db, source, ["src-mid"]), args.repeat)
    timed("walk source of 180 by key", lambda: walk_by_key(db, source, ["src-small5"]), args.repeat)
    timed("all of agent 100,000 by pk", lambda: all_by(db, agent, ["big"], "pk"), args.repeat)
    db.close()


if __name__ == "__main__":
    main()
