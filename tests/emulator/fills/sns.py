"""SNS email subscriptions wait for their confirmation, as on AWS (SNS API reference, Subscribe and
ListSubscriptionsByTopic).

moto confirms every subscription at once. AWS mails an ``email`` / ``email-json`` endpoint a link and,
until it is followed: Subscribe answers ``SubscriptionArn: "pending confirmation"`` (unless
``ReturnSubscriptionArn``), ListSubscriptionsByTopic and ListSubscriptions list the subscription with
``SubscriptionArn: "PendingConfirmation"``, so nothing can Unsubscribe it (AWS drops it unconfirmed after
a while), and subscribing the same address again mails again. A test confirms one with ``confirm(topic_arn, endpoint)``
(what following the link does). Other protocols stay as moto has them.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sns.models import sns_backends
from moto.sns.responses import SNSResponse

MAILED = ("email", "email-json")
PENDING = "PendingConfirmation"


def is_pending(subscription: Any) -> bool:
    return subscription.protocol in MAILED and not subscription.confirmed


def listed(subscription: Any) -> dict[str, str]:
    """One member of a ListSubscriptions answer, with AWS's ARN placeholder for a pending one."""
    return {
        "SubscriptionArn": PENDING if is_pending(subscription) else subscription.arn,
        "Owner": subscription.owner,
        "Protocol": subscription.protocol,
        "Endpoint": subscription.endpoint,
        "TopicArn": subscription.topic.arn,
    }


def confirm(topic_arn: str, endpoint: str) -> None:
    """Confirm ``endpoint``'s subscription to the topic (what the link in AWS's mail does)."""
    for account in sns_backends.values():
        for backend in account.values():
            for subscription in backend.subscriptions.values():
                if subscription.topic.arn == topic_arn and subscription.endpoint == endpoint:
                    subscription.confirmed = True
                    return
    raise KeyError(f"{endpoint} on {topic_arn}")


def install() -> None:
    subscribe = SNSResponse.subscribe

    def subscribe_pending(self: SNSResponse) -> ActionResult:
        answer = subscribe(self)
        if self._get_param("Protocol") in MAILED and str(self._get_param("ReturnSubscriptionArn")).lower() != "true":
            arn = self.backend._find_subscription(
                self._get_param("TopicArn"), self._get_param("Endpoint"), self._get_param("Protocol")
            )
            if arn is not None and is_pending(arn):
                return ActionResult({"SubscriptionArn": "pending confirmation"})
        return answer

    def listing(method_name: str) -> Any:
        method = getattr(SNSResponse, method_name)

        def answer(self: SNSResponse) -> ActionResult:
            result = method(self)
            members = result.result.get("Subscriptions") if hasattr(result, "result") else None
            if members is None:
                return result
            return ActionResult(dict(result.result, Subscriptions=[listed(sub) for sub in members]))

        return answer

    SNSResponse.subscribe = subscribe_pending  # type: ignore[method-assign]
    SNSResponse.list_subscriptions = listing("list_subscriptions")  # type: ignore[method-assign]
    SNSResponse.list_subscriptions_by_topic = listing("list_subscriptions_by_topic")  # type: ignore[method-assign]
