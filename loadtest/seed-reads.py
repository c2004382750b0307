#!/usr/bin/env python3
"""Seeds the read benchmark's data set straight into a migrated Troupe database.

1,000 users (each with a profile), 100,000 projects — one user owns 10,000 of them,
the others share the rest — with titles, descriptions and tags drawn from a vocabulary
of 6,000 made-up words with a Zipf-like frequency (a few words are everywhere, most are
rare), and about one media row per project. Written with COPY through psql, so the
tables' triggers run as they do for the API's own writes.

Afterwards it writes OUT_DIR/{users,projects,big_user,words,prefixes}.txt: the ids and
words the benchmark draws its varied requests from.

  python3 loadtest/seed-reads.py DATABASE_URL OUT_DIR [--projects N] [--users N] [--seed S]

Standard library only.
"""

import argparse
import bisect
import datetime as dt
import os
import random
import subprocess
import uuid

SYLLABLES = [a + b for a in "bcdfghklmnprstvz" for b in ["a", "e", "i", "o", "u", "ar", "en", "or"]]


def vocabulary(rng, n):
    """n distinct lower-case words of 2–4 syllables."""
    words, seen = [], set()
    while len(words) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Zipf:
    """Draws vocabulary indices with probability ∝ 1 / rank^s."""

    def __init__(self, n, s, rng):
        self.rng = rng
        acc, self.cdf = 0.0, []
        for rank in range(1, n + 1):
            acc += 1.0 / rank**s
            self.cdf.append(acc)

    def draw(self):
        return bisect.bisect_left(self.cdf, self.rng.random() * self.cdf[-1])


def copy(database_url, table, columns, rows):
    """COPY rows (tuples of str or None) into table through psql."""
    data = "".join("\t".join("\\N" if v is None else v for v in row) + "\n" for row in rows)
    subprocess.run(
        ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-qc",
         f"\\copy {table} ({', '.join(columns)}) FROM STDIN"],
        input=data.encode(), check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("database_url")
    ap.add_argument("out_dir")
    ap.add_argument("--projects", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=1_000)
    ap.add_argument("--big", type=int, default=10_000, help="projects of the one big user")
    ap.add_argument("--seed", type=int, default=17)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = vocabulary(rng, 6_000)
    zipf = Zipf(len(words), 1.07, rng)
    phrase = lambda k: " ".join(words[zipf.draw()] for _ in range(k))
    now = dt.datetime.now(dt.timezone.utc)
    stamp = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f+00")

    users = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(a.users)]
    copy(a.database_url, "users", ["id", "username", "password_hash", "name", "role", "created_at"],
         ((str(u), f"seed{i:05d}", "!seeded-no-login", phrase(2).title(), "user",
           stamp(now - dt.timedelta(days=400, seconds=i))) for i, u in enumerate(users)))
    copy(a.database_url, "profiles", ["user_id", "name", "bio"],
         ((str(u), phrase(2).title(), phrase(12)) for u in users))

    # The big user first, the rest spread evenly; creation times unique, newest last.
    owners = [users[0]] * a.big + [users[1 + i % (a.users - 1)] for i in range(a.projects - a.big)]
    rng.shuffle(owners)
    start = now - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / a.projects
    projects = []
    for i, owner in enumerate(owners):
        pid = uuid.UUID(int=rng.getrandbits(128), version=4)
        created = start + step * i
        tags = sorted({words[zipf.draw()] for _ in range(rng.randint(0, 4))})
        projects.append((pid, owner, created, phrase(rng.randint(2, 5)), phrase(rng.randint(8, 30)), tags))
    copy(a.database_url, "projects",
         ["id", "user_id", "title", "description", "tags", "created_at", "updated_at"],
         ((str(p), str(o), t.capitalize(), d, "{" + ",".join(tags) + "}", stamp(c), stamp(c))
          for p, o, c, t, d, tags in projects))

    media = []
    for n, (pid, owner, created, *_rest) in enumerate(projects):
        for k in range(rng.choice([0, 1, 1, 2])):
            mid = uuid.UUID(int=rng.getrandbits(128), version=4)
            media.append((str(mid), str(owner), str(pid), f"photo-{n}-{k}.jpg",
                          f"uploads/{mid}.jpg", str(rng.randint(50_000, 4_000_000)), "image/jpeg",
                          f"thumbnails/{mid}_thumb.jpg", "done", stamp(created)))
    copy(a.database_url, "media",
         ["id", "user_id", "project_id", "original_filename", "file_path", "file_size",
          "mime_type", "thumbnail_path", "thumbnail_status", "created_at"], media)

    os.makedirs(a.out_dir, exist_ok=True)
    with_media = sorted({m[2] for m in media})
    counts = {}
    for _, o, *_rest in projects:
        counts[o] = counts.get(o, 0) + 1
    frequent = [w for w in words[:300]]
    files = {
        "users.txt": [str(u) for u in users],
        "projects.txt": [str(p[0]) for p in projects],
        "media_projects.txt": with_media,
        "big_user.txt": [str(users[0])],
        # Search words across the frequency range: common, middling and rare.
        "words.txt": frequent + words[300:3000:9],
        "prefixes.txt": sorted({w[:2] for w in words[:2000]} | {w[:3] for w in words[:600]}),
    }
    for name, lines in files.items():
        with open(os.path.join(a.out_dir, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    print(f"seeded {len(users)} users, {len(projects)} projects "
          f"({counts[users[0]]} of {users[0]}), {len(media)} media rows")


if __name__ == "__main__":
    main()
