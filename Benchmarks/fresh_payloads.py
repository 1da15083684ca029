#!/usr/bin/env python3
"""Re-stamp the load harness's payload file with current message timestamps, and re-sign it.

../shared/bench/gen_payloads.py dates every message about 24 hours in the past
(base_ts = now - 86400). Flowgate counts the customer service window from the message's own
timestamp, as WhatsApp does, so most of those messages arrive with the window already closed and
the auto-acknowledge flow (rightly) does not answer them freely. Real webhooks arrive seconds after
the message was sent; this script makes the load look like that: timestamp = now + i // 50, the
same pacing as the generator, and the signature recomputed with the harness's APP_SECRET.

usage: fresh_payloads.py [PAYLOADS]   (default: the harness's $PAYLOADS; rewritten in place)
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench", "lib"))
import common  # noqa: E402  (the harness's own signing and settings)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "PAYLOADS", os.path.join(os.environ.get("TMPDIR", "/tmp"), "flowgate-bench", "payloads.tsv"))
    base = int(time.time())
    count = 0
    with open(path, "rb") as source, open(path + ".fresh", "wb") as target:
        for index, line in enumerate(source):
            _, body = line.rstrip(b"\n").split(b"\t", 1)
            payload = json.loads(body)
            payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(base + index // 50)
            fresh = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            target.write(common.sign(fresh).encode() + b"\t" + fresh + b"\n")
            count += 1
    os.replace(path + ".fresh", path)
    print(f"re-stamped {count} payloads from {base} in {path}")


if __name__ == "__main__":
    main()
