"""Command line: ``python -m tests.emulator [--host H] [--port P] [--record FILE]``."""

import argparse

from tests.emulator.server import DEFAULT_PORT, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only by default)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--record", metavar="FILE", help="append one JSON line per AWS request to FILE")
    parser.add_argument(
        "--throttle-rate",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="answer this share of requests (0..1) with AWS throttling errors or HTTP 503",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for --throttle-rate")
    args = parser.parse_args()
    serve(args.host, args.port, record=args.record, throttle_rate=args.throttle_rate, seed=args.seed)


if __name__ == "__main__":
    main()
