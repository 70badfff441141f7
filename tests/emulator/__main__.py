"""Command line: ``python -m tests.emulator [--host H] [--port P] [--record FILE] [--aws-lag S] [--aws-lag-calls N]
[--latency-ms N]
[--github-dir DIR] [--docker-log FILE]``."""

import argparse
import os

from tests.emulator.lag import BEHAVIOURS, Lag, parse_only
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
    add_lag_arguments(parser)
    add_build_arguments(parser)
    args = parser.parse_args()
    try:
        only = parse_only(args.aws_lag_only)
        Lag(args.aws_lag, only, args.aws_lag_calls)
    except ValueError as error:
        parser.error(str(error))
    serve(
        args.host,
        args.port,
        record=args.record,
        throttle_rate=args.throttle_rate,
        seed=args.seed,
        aws_lag=args.aws_lag,
        aws_lag_only=only,
        latency_ms=args.latency_ms,
        github_dir=args.github_dir,
        docker_log=args.docker_log,
        aws_lag_calls=args.aws_lag_calls,
    )


def add_lag_arguments(parser: argparse.ArgumentParser) -> None:
    """``--aws-lag``, ``--aws-lag-calls``, ``--aws-lag-only``, ``--latency-ms``: shared with ``tests.emulator.ctl``."""
    parser.add_argument(
        "--aws-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="play back AWS's lags (IAM propagation, ALB/DB network interfaces, target groups in use, "
        "DB and ALB states), each for this many seconds (default 0: off)",
    )
    parser.add_argument(
        "--aws-lag-calls",
        type=int,
        default=0,
        metavar="N",
        help="each lag also lasts until N requests met it (an answer showing it or refused by it), whichever is "
        "longer: a client that waits meets it N times then gets through, however slow the machine (tests; default 0)",
    )
    parser.add_argument(
        "--aws-lag-only",
        default="",
        metavar="NAME,NAME",
        help=f"only these lags (default all): {', '.join(BEHAVIOURS)}",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0, metavar="N", help="answer every request N milliseconds late"
    )


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """``--github-dir`` and ``--docker-log``, shared with ``tests.emulator.ctl start``."""
    parser.add_argument(
        "--github-dir",
        default=os.environ.get("EMULATOR_GITHUB_DIR") or None,
        metavar="DIR",
        help="CodeBuild builds fetch https://github.com/<owner>/<repo> from the git repository DIR/<owner>/<repo> "
        "(default: env EMULATOR_GITHUB_DIR; without either, builds fail in DOWNLOAD_SOURCE)",
    )
    parser.add_argument(
        "--docker-log",
        default=None,
        metavar="FILE",
        help="the stub docker of builds appends one JSON line per call to FILE (default: DIR/../docker.jsonl)",
    )


if __name__ == "__main__":
    main()
