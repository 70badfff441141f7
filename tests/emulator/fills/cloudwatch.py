"""CloudWatch PutMetricAlarm checks moto 5 skips (CloudWatch API reference, PutMetricAlarm).

moto stores an alarm with both ``Statistic`` and ``ExtendedStatistic``, with neither, with a
``Statistic`` outside the enum, a ``Period`` CloudWatch does not take, more than 30 dimensions or more
``DatapointsToAlarm`` than ``EvaluationPeriods``; AWS answers each with HTTP 400 (terraform-provider-aws
declares statistic and extended_statistic ConflictsWith for the first; the enum and length messages are
AWS's standard "1 validation error detected" form). Only a metric alarm on one metric is checked: with
``Metrics`` (metric math) AWS wants none of Statistic/ExtendedStatistic, which moto already stores as given.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterCombination, ValidationError
from moto.cloudwatch.models import CloudWatchBackend

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
MAX_DIMENSIONS = 30


def check_alarm(kwargs: dict[str, Any]) -> None:
    """Raise what AWS answers for the first rule of PutMetricAlarm the request breaks."""
    if kwargs.get("metric_data_queries"):
        return
    statistic, extended = kwargs.get("statistic"), kwargs.get("extended_statistic")
    if statistic and extended:
        raise InvalidParameterCombination(
            "The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both."
        )
    if not statistic and not extended:
        raise InvalidParameterCombination("Either Statistic or ExtendedStatistic must be specified.")
    if statistic and statistic not in STATISTICS:
        raise ValidationError(
            f"1 validation error detected: Value '{statistic}' at 'statistic' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(STATISTICS)}]"
        )
    if len(kwargs.get("dimensions") or []) > MAX_DIMENSIONS:
        raise ValidationError(
            "1 validation error detected: Value at 'dimensions' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_DIMENSIONS}"
        )
    period = int(kwargs.get("period") or 0)
    if period not in (10, 20, 30) and (period < 60 or period % 60):
        raise ValidationError("Period must be 10, 20, 30 or a multiple of 60.")
    datapoints, evaluation = kwargs.get("datapoints_to_alarm"), int(kwargs.get("evaluation_periods") or 0)
    if datapoints is not None and int(datapoints) > evaluation:
        raise ValidationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")


def install() -> None:
    original = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
        check_alarm(kwargs)
        return original(self, *args, **kwargs)

    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]
